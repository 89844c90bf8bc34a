/**
 * A stored policy/v1beta1 PodSecurityPolicy read into the fields admission
 * uses, with the defaults the v1beta1 API applies
 * (https://v1-24.docs.kubernetes.io/docs/reference/generated/kubernetes-api/v1.24/#podsecuritypolicyspec-v1beta1-policy):
 * allowPrivilegeEscalation defaults to true; a strategy without a rule
 * allows anything (RunAsAny); seccomp and AppArmor profiles come from the
 * policy's annotations.
 */
import { text, type JsonObject } from '../json.js';
import { annotationsOf, booleanAt, childAt, integerAt, objectsAt, stringsAt } from './pod.js';

export interface IdRange {
  readonly min: number;
  readonly max: number;
}

export interface RangeRule {
  /** MustRunAs, MayRunAs (groups), MustRunAsNonRoot (users), RunAsAny. */
  readonly rule: string;
  readonly ranges: readonly IdRange[];
}

export interface HostPathRule {
  readonly pathPrefix: string;
  readonly readOnly: boolean;
}

export interface PodSecurityPolicy {
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly privileged: boolean;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  readonly hostPorts: readonly IdRange[];
  readonly allowedCapabilities: readonly string[];
  readonly requiredDropCapabilities: readonly string[];
  readonly defaultAddCapabilities: readonly string[];
  readonly runAsUser: RangeRule;
  readonly runAsGroup: RangeRule;
  readonly fsGroup: RangeRule;
  readonly supplementalGroups: RangeRule;
  readonly allowPrivilegeEscalation: boolean;
  readonly defaultAllowPrivilegeEscalation: boolean | undefined;
  readonly readOnlyRootFilesystem: boolean;
  readonly volumes: readonly string[];
  readonly allowedHostPaths: readonly HostPathRule[];
  readonly allowedProcMountTypes: readonly string[];
}

const RUN_AS_ANY: RangeRule = { rule: 'RunAsAny', ranges: [] };

export function readPodSecurityPolicy(object: JsonObject): PodSecurityPolicy {
  const spec = childAt(object, 'spec');
  return {
    name: text(childAt(object, 'metadata')?.['name']),
    annotations: annotationsOf(object),
    privileged: booleanAt(spec, 'privileged') ?? false,
    hostNetwork: booleanAt(spec, 'hostNetwork') ?? false,
    hostPID: booleanAt(spec, 'hostPID') ?? false,
    hostIPC: booleanAt(spec, 'hostIPC') ?? false,
    hostPorts: rangesOf(objectsAt(spec, 'hostPorts')),
    allowedCapabilities: stringsAt(spec, 'allowedCapabilities') ?? [],
    requiredDropCapabilities: stringsAt(spec, 'requiredDropCapabilities') ?? [],
    defaultAddCapabilities: stringsAt(spec, 'defaultAddCapabilities') ?? [],
    runAsUser: ruleOf(childAt(spec, 'runAsUser')),
    runAsGroup: ruleOf(childAt(spec, 'runAsGroup')),
    fsGroup: ruleOf(childAt(spec, 'fsGroup')),
    supplementalGroups: ruleOf(childAt(spec, 'supplementalGroups')),
    allowPrivilegeEscalation: booleanAt(spec, 'allowPrivilegeEscalation') ?? true,
    defaultAllowPrivilegeEscalation: booleanAt(spec, 'defaultAllowPrivilegeEscalation'),
    readOnlyRootFilesystem: booleanAt(spec, 'readOnlyRootFilesystem') ?? false,
    volumes: stringsAt(spec, 'volumes') ?? [],
    allowedHostPaths: objectsAt(spec, 'allowedHostPaths').map((p) => ({
      pathPrefix: typeof p['pathPrefix'] === 'string' ? p['pathPrefix'] : '',
      readOnly: booleanAt(p, 'readOnly') ?? false,
    })),
    allowedProcMountTypes: stringsAt(spec, 'allowedProcMountTypes') ?? [],
  };
}

function ruleOf(strategy: JsonObject | undefined): RangeRule {
  if (strategy === undefined || typeof strategy['rule'] !== 'string') return RUN_AS_ANY;
  return { rule: strategy['rule'], ranges: rangesOf(objectsAt(strategy, 'ranges')) };
}

function rangesOf(items: JsonObject[]): IdRange[] {
  return items.map((r) => ({ min: integerAt(r, 'min') ?? 0, max: integerAt(r, 'max') ?? 0 }));
}

export function inRanges(id: number, ranges: readonly IdRange[]): boolean {
  return ranges.some((r) => id >= r.min && id <= r.max);
}

/** Go's `%v` of []policy.IDRange: `[{1 65535}]`. */
export function printedRanges(ranges: readonly IdRange[]): string {
  return `[${ranges.map((r) => `{${r.min} ${r.max}}`).join(' ')}]`;
}

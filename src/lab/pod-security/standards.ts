/**
 * Pod Security Admission (kube-apiserver >= 1.23, the only pod admission
 * from 1.25): the namespace's `pod-security.kubernetes.io/enforce` label
 * picks a Pod Security Standard, which the pod must meet
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/,
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/;
 * checks and texts as k8s.io/pod-security-admission's policy/ package).
 *
 * Modelled: enforce and enforce-version (warn and audit do not refuse, and
 * are not reported); the baseline checks host namespaces, privileged,
 * capabilities, hostPath volumes, host ports and seccomp, and the
 * restricted checks privilege escalation, capabilities, runAsNonRoot,
 * runAsUser, seccomp and volume types. Not modelled: AppArmor, SELinux,
 * procMount, sysctls, Windows host processes, probes' host fields, and
 * exemptions from an AdmissionConfiguration (without one a namespace with no
 * label is `privileged`).
 */
import { text, type JsonObject } from '../json.js';
import { booleanAt, childAt, containersOf, integerAt, objectsAt, stringsAt } from './pod.js';

export type Level = 'privileged' | 'baseline' | 'restricted';

/** The policy a namespace enforces: level, and the standard's version (undefined: latest). */
export interface EnforcedPolicy {
  readonly level: Level;
  readonly minor: number | undefined;
}

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const ENFORCE_VERSION = 'pod-security.kubernetes.io/enforce-version';

/**
 * The namespace labels -> the enforced policy. A level that does not parse
 * is enforced as `restricted` and a version that does not parse as `latest`
 * (api.PolicyToEvaluate fails closed).
 */
export function enforcedPolicy(labels: Readonly<Record<string, string>>): EnforcedPolicy {
  const levelText = labels[ENFORCE];
  const level: Level =
    levelText === undefined
      ? 'privileged'
      : levelText === 'privileged' || levelText === 'baseline' || levelText === 'restricted'
        ? levelText
        : 'restricted';
  const version = /^v1\.(0|[1-9]\d*)$/.exec(labels[ENFORCE_VERSION] ?? '');
  return { level, minor: version === null ? undefined : Number(version[1]) };
}

interface Check {
  readonly id: string;
  readonly level: 'baseline' | 'restricted';
  /** The first standard version (1.x) that has this check. */
  readonly since: number;
  /** Baseline checks this one replaces at the restricted level. */
  readonly overrides?: readonly string[];
  /** A refusal: reason and detail; undefined when the pod passes. */
  readonly run: (pod: PodView) => { reason: string; detail: string } | undefined;
}

interface PodView {
  readonly spec: JsonObject;
  readonly containers: readonly { name: string; sc: JsonObject | undefined; ports: JsonObject[] }[];
  readonly podSc: JsonObject | undefined;
  readonly windows: boolean;
}

const quoted = (items: readonly string[]) => items.map((i) => `"${i}"`).join(', ');
const plural = (one: string, many: string, count: number) => (count === 1 ? one : many);
const containerList = (names: readonly string[]) =>
  `${plural('container', 'containers', names.length)} ${quoted(names)}`;
const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort();

const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]); // prettier-ignore

const RESTRICTED_VOLUMES_ALLOWED = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image',
  'persistentVolumeClaim', 'projected', 'secret',
]); // prettier-ignore

const validSeccomp = (type: unknown) => type === 'RuntimeDefault' || type === 'Localhost';

/** Who sets a field to a refused value: `pod`, `container "a"`, joined with `and`. */
function setters(
  pod: PodView,
  field: (sc: JsonObject | undefined) => boolean,
): { all: string[]; containers: string[] } {
  const containers = pod.containers.filter((c) => field(c.sc)).map((c) => c.name);
  const all = [...(field(pod.podSc) ? ['pod'] : [])];
  if (containers.length > 0) all.push(containerList(containers));
  return { all, containers };
}

function seccompCheck(pod: PodView, required: boolean) {
  const bad = new Set<string>();
  const refused = (sc: JsonObject | undefined) => {
    const profile = childAt(sc, 'seccompProfile');
    if (profile === undefined || validSeccomp(profile['type'])) return false;
    bad.add(text(profile['type']));
    return true;
  };
  const { all } = setters(pod, refused);
  if (all.length > 0)
    return {
      reason: 'seccompProfile',
      detail: `${all.join(' and ')} must not set securityContext.seccompProfile.type to ${quoted(sortedUnique(bad))}`,
    };
  if (!required) return undefined;
  const podSet = childAt(pod.podSc, 'seccompProfile') !== undefined;
  const unset = pod.containers
    .filter((c) => childAt(c.sc, 'seccompProfile') === undefined && !podSet)
    .map((c) => c.name);
  return unset.length === 0
    ? undefined
    : {
        reason: 'seccompProfile',
        detail: `pod or ${containerList(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      };
}

const CHECKS: readonly Check[] = [
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    since: 0,
    run: (pod) => {
      const added: string[] = [];
      const names = pod.containers
        .filter((c) => {
          const bad = (stringsAt(childAt(c.sc, 'capabilities'), 'add') ?? []).filter(
            (cap) => !DEFAULT_CAPABILITIES.has(cap),
          );
          added.push(...bad);
          return bad.length > 0;
        })
        .map((c) => c.name);
      return names.length === 0
        ? undefined
        : {
            reason: 'non-default capabilities',
            detail: `${containerList(names)} must not include ${quoted(sortedUnique(added))} in securityContext.capabilities.add`,
          };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    since: 0,
    run: (pod) => {
      const shared = ['hostNetwork', 'hostPID', 'hostIPC']
        .filter((field) => booleanAt(pod.spec, field) === true)
        .map((field) => `${field}=true`);
      return shared.length === 0
        ? undefined
        : { reason: 'host namespaces', detail: shared.join(', ') };
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    since: 0,
    run: (pod) => {
      const names = objectsAt(pod.spec, 'volumes')
        .filter((v) => childAt(v, 'hostPath') !== undefined)
        .map((v) => text(v['name']));
      return names.length === 0
        ? undefined
        : {
            reason: 'hostPath volumes',
            detail: `${plural('volume', 'volumes', names.length)} ${quoted(names)}`,
          };
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    since: 0,
    run: (pod) => {
      const ports: string[] = [];
      const names = pod.containers
        .filter((c) => {
          const used = c.ports.map((p) => integerAt(p, 'hostPort') ?? 0).filter((p) => p !== 0);
          ports.push(...used.map(String));
          return used.length > 0;
        })
        .map((c) => c.name);
      const unique = sortedUnique(ports);
      return names.length === 0
        ? undefined
        : {
            reason: 'hostPort',
            detail: `${containerList(names)} ${plural('uses', 'use', names.length)} ${plural('hostPort', 'hostPorts', unique.length)} ${unique.join(', ')}`,
          };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    since: 0,
    run: (pod) => {
      const names = pod.containers
        .filter((c) => booleanAt(c.sc, 'privileged') === true)
        .map((c) => c.name);
      return names.length === 0
        ? undefined
        : {
            reason: 'privileged',
            detail: `${containerList(names)} must not set securityContext.privileged=true`,
          };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    since: 19,
    run: (pod) => seccompCheck(pod, false),
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    since: 8,
    run: (pod) => {
      if (pod.windows) return undefined;
      const names = pod.containers
        .filter((c) => booleanAt(c.sc, 'allowPrivilegeEscalation') !== false)
        .map((c) => c.name);
      return names.length === 0
        ? undefined
        : {
            reason: 'allowPrivilegeEscalation != false',
            detail: `${containerList(names)} must set securityContext.allowPrivilegeEscalation=false`,
          };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    since: 22,
    overrides: ['capabilities_baseline'],
    run: (pod) => {
      if (pod.windows) return undefined;
      const missingDrop: string[] = [];
      const adding: string[] = [];
      const added: string[] = [];
      for (const c of pod.containers) {
        const caps = childAt(c.sc, 'capabilities');
        if (!(stringsAt(caps, 'drop') ?? []).includes('ALL')) missingDrop.push(c.name);
        const bad = (stringsAt(caps, 'add') ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        if (bad.length > 0) adding.push(c.name);
        added.push(...bad);
      }
      const details = [
        ...(missingDrop.length > 0
          ? [`${containerList(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`]
          : []),
        ...(adding.length > 0
          ? [
              `${containerList(adding)} must not include ${quoted(sortedUnique(added))} in securityContext.capabilities.add`,
            ]
          : []),
      ];
      return details.length === 0
        ? undefined
        : { reason: 'unrestricted capabilities', detail: details.join('; ') };
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    since: 0,
    overrides: ['hostPathVolumes'],
    run: (pod) => {
      const names: string[] = [];
      const types: string[] = [];
      for (const volume of objectsAt(pod.spec, 'volumes')) {
        const type = Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
        if (RESTRICTED_VOLUMES_ALLOWED.has(type)) continue;
        names.push(text(volume['name']));
        types.push(type === 'cephFS' ? 'cephfs' : type);
      }
      const unique = sortedUnique(types);
      return names.length === 0
        ? undefined
        : {
            reason: 'restricted volume types',
            detail: `${plural('volume', 'volumes', names.length)} ${quoted(names)} ${plural('uses', 'use', names.length)} ${plural('restricted volume type', 'restricted volume types', unique.length)} ${quoted(unique)}`,
          };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    since: 0,
    run: (pod) => {
      const podValue = booleanAt(pod.podSc, 'runAsNonRoot');
      const explicit = pod.containers
        .filter((c) => booleanAt(c.sc, 'runAsNonRoot') === false)
        .map((c) => c.name);
      const bad = [
        ...(podValue === false ? ['pod'] : []),
        ...(explicit.length > 0 ? [containerList(explicit)] : []),
      ];
      if (bad.length > 0)
        return {
          reason: 'runAsNonRoot != true',
          detail: `${bad.join(' and ')} must not set securityContext.runAsNonRoot=false`,
        };
      const implicit = pod.containers
        .filter((c) => booleanAt(c.sc, 'runAsNonRoot') === undefined && podValue !== true)
        .map((c) => c.name);
      return implicit.length === 0
        ? undefined
        : {
            reason: 'runAsNonRoot != true',
            detail: `pod or ${containerList(implicit)} must set securityContext.runAsNonRoot=true`,
          };
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    since: 23,
    run: (pod) => {
      const { all } = setters(pod, (sc) => integerAt(sc, 'runAsUser') === 0);
      return all.length === 0
        ? undefined
        : { reason: 'runAsUser=0', detail: `${all.join(' and ')} must not set runAsUser=0` };
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    since: 19,
    overrides: ['seccompProfile_baseline'],
    run: (pod) => (pod.windows ? undefined : seccompCheck(pod, true)),
  },
];

/**
 * The pod against the namespace's enforced policy on a server of minor
 * `serverMinor`: undefined when admitted, else the refusal text that follows
 * `pods "x" is forbidden: `. Baseline checks run first, then restricted
 * ones, each group in check-ID order, as the policy registry orders them.
 */
export function checkPodSecurity(
  pod: JsonObject,
  policy: EnforcedPolicy,
  serverMinor: number,
): string | undefined {
  if (policy.level === 'privileged') return undefined;
  const minor = Math.min(policy.minor ?? serverMinor, serverMinor);
  const applicable = CHECKS.filter(
    (c) => c.since <= minor && (c.level === 'baseline' || policy.level === 'restricted'),
  );
  const overridden = new Set(applicable.flatMap((c) => c.overrides ?? []));
  const view = podView(pod, minor);
  const refusals = applicable
    .filter((c) => !overridden.has(c.id))
    .sort((a, b) =>
      a.level !== b.level ? (a.level === 'baseline' ? -1 : 1) : a.id < b.id ? -1 : 1,
    )
    .map((c) => c.run(view))
    .filter((r) => r !== undefined);
  if (refusals.length === 0) return undefined;
  const version = policy.minor === undefined ? 'latest' : `v1.${policy.minor}`;
  const detail = refusals.map((r) => (r.detail === '' ? r.reason : `${r.reason} (${r.detail})`));
  return `violates PodSecurity "${policy.level}:${version}": ${detail.join(', ')}`;
}

function podView(pod: JsonObject, minor: number): PodView {
  const spec = childAt(pod, 'spec') ?? {};
  return {
    spec,
    podSc: childAt(spec, 'securityContext'),
    // From standard version 1.25, Windows pods skip the Linux-only checks.
    windows: minor >= 25 && childAt(spec, 'os')?.['name'] === 'windows',
    containers: containersOf(spec).map((c) => ({
      name: c.name,
      sc: childAt(c.container, 'securityContext'),
      ports: objectsAt(c.container, 'ports'),
    })),
  };
}

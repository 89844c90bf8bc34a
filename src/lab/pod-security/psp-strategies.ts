/**
 * The strategies a PodSecurityPolicy applies, each a default (Generate) and
 * a check (Validate) as kube-apiserver's pkg/security/podsecuritypolicy
 * packages define them up to 1.24: user/, group/, capabilities/, seccomp/,
 * apparmor/ and util (volume types, host paths). Texts are theirs, so the
 * refusal a lab prints is the one a 1.20 cluster prints.
 */
import type { JsonObject } from '../json.js';
import { forbiddenField, goSlice, invalidValue, requiredField } from '../field-error.js';
import { inRanges, printedRanges, type PodSecurityPolicy, type RangeRule } from './psp-policy.js';
import { annotationsOf, childAt, objectsAt, stringsAt } from './pod.js';

// --- runAsUser: user/mustrunas.go, user/nonroot.go, user/runasany.go

export function generateUser(rule: RangeRule): number | undefined {
  return rule.rule === 'MustRunAs' ? rule.ranges[0]?.min : undefined;
}

export function validateUser(
  rule: RangeRule,
  scPath: string,
  runAsNonRoot: boolean | undefined,
  runAsUser: number | undefined,
): string[] {
  if (rule.rule === 'MustRunAs') {
    if (runAsUser === undefined) return [requiredField(`${scPath}.runAsUser`, '')];
    if (!inRanges(runAsUser, rule.ranges))
      return [
        invalidValue(
          `${scPath}.runAsUser`,
          runAsUser,
          `must be in the ranges: ${printedRanges(rule.ranges)}`,
        ),
      ];
  } else if (rule.rule === 'MustRunAsNonRoot') {
    if (runAsNonRoot === undefined && runAsUser === undefined)
      return [requiredField(`${scPath}.runAsNonRoot`, 'must be true')];
    if (runAsNonRoot === false)
      return [invalidValue(`${scPath}.runAsNonRoot`, false, 'must be true')];
    if (runAsUser === 0)
      return [invalidValue(`${scPath}.runAsUser`, 0, 'running with the root UID is forbidden')];
  }
  return [];
}

// --- fsGroup, supplementalGroups, runAsGroup: group/mustrunas.go, mayrunas.go, runasany.go

export function generateGroup(rule: RangeRule): number | undefined {
  return rule.rule === 'MustRunAs' ? rule.ranges[0]?.min : undefined;
}

/** `groups` undefined: the field is not set (Go's nil slice). */
export function validateGroups(
  rule: RangeRule,
  path: string,
  groups: readonly number[] | undefined,
): string[] {
  if (rule.rule !== 'MustRunAs' && rule.rule !== 'MayRunAs') return [];
  const shown = goSlice('int64', groups);
  const errors: string[] = [];
  if (rule.rule === 'MustRunAs' && (groups ?? []).length === 0 && rule.ranges.length > 0)
    errors.push(
      invalidValue(path, shown, 'unable to validate empty groups against required ranges'),
    );
  for (const group of groups ?? [])
    if (!inRanges(group, rule.ranges))
      errors.push(
        invalidValue(
          path,
          shown,
          `group ${group} must be in the ranges: ${printedRanges(rule.ranges)}`,
        ),
      );
  return errors;
}

// --- capabilities/mustrunas.go

export interface Capabilities {
  readonly add: readonly string[];
  readonly drop: readonly string[];
}

/**
 * The container's capabilities with the policy's default adds (unless the
 * container drops them) and required drops, both sorted as Go's sets list
 * them; undefined when nothing changes.
 */
export function generateCapabilities(
  policy: PodSecurityPolicy,
  capabilities: JsonObject | undefined,
): Capabilities | undefined {
  const containerAdd = new Set(stringsAt(capabilities, 'add') ?? []);
  const containerDrop = new Set(stringsAt(capabilities, 'drop') ?? []);
  const add = new Set(containerAdd);
  for (const c of policy.defaultAddCapabilities) if (!containerDrop.has(c)) add.add(c);
  const drop = new Set([...policy.requiredDropCapabilities, ...containerDrop]);
  if (add.size === containerAdd.size && drop.size === containerDrop.size) return undefined;
  return { add: [...add].sort(), drop: [...drop].sort() };
}

export function validateCapabilities(
  policy: PodSecurityPolicy,
  path: string,
  capabilities: JsonObject | undefined,
): string[] {
  if (capabilities === undefined) {
    if (policy.defaultAddCapabilities.length === 0 && policy.requiredDropCapabilities.length === 0)
      return [];
    return [invalidValue(path, null, 'required capabilities are not set on the securityContext')];
  }
  // "*" in allowedCapabilities allows everything, required drops included.
  if (policy.allowedCapabilities.includes('*')) return [];
  const errors: string[] = [];
  for (const c of stringsAt(capabilities, 'add') ?? [])
    if (!policy.defaultAddCapabilities.includes(c) && !policy.allowedCapabilities.includes(c))
      errors.push(invalidValue(`${path}.add`, c, 'capability may not be added'));
  const drops = stringsAt(capabilities, 'drop');
  for (const required of policy.requiredDropCapabilities)
    if (!(drops ?? []).includes(required))
      errors.push(
        invalidValue(
          `${path}.drop`,
          goSlice('core.Capability', drops),
          `${required} is required to be dropped but was not found`,
        ),
      );
  return errors;
}

// --- seccomp/strategy.go (1.19+: the securityContext fields count as their annotations)

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const SECCOMP_ALLOWED = 'seccomp.security.alpha.kubernetes.io/allowedProfileNames';
const SECCOMP_DEFAULT = 'seccomp.security.alpha.kubernetes.io/defaultProfileName';
const RUNTIME_DEFAULT = 'runtime/default';
const DOCKER_DEFAULT = 'docker/default';

/** A seccompProfile field as its annotation value (pkg/api/pod SeccompAnnotationForField). */
function profileOfField(profile: JsonObject | undefined): string | undefined {
  if (profile === undefined) return undefined;
  switch (profile['type']) {
    case 'Unconfined':
      return 'unconfined';
    case 'RuntimeDefault':
      return RUNTIME_DEFAULT;
    case 'Localhost':
      return typeof profile['localhostProfile'] === 'string'
        ? `localhost/${profile['localhostProfile']}`
        : '';
    default:
      return '';
  }
}

interface SeccompRule {
  readonly allowed: ReadonlySet<string>;
  readonly allowAny: boolean;
  readonly allowedText: string;
}

function seccompRule(policy: PodSecurityPolicy): SeccompRule {
  const text = policy.annotations[SECCOMP_ALLOWED];
  const allowed = new Set<string>();
  let allowAny = false;
  for (const p of text === undefined ? [] : text.split(',')) {
    if (p === '*') allowAny = true;
    else allowed.add(p);
    // Since 1.19 docker/default and runtime/default are one profile.
    if (p === RUNTIME_DEFAULT || p === DOCKER_DEFAULT) {
      allowed.add(RUNTIME_DEFAULT);
      allowed.add(DOCKER_DEFAULT);
    }
  }
  return { allowed, allowAny, allowedText: text ?? '' };
}

/** The pod-level profile to record as the pod annotation ('' for none). */
export function generateSeccomp(policy: PodSecurityPolicy, pod: JsonObject): string {
  const annotation = annotationsOf(pod)[SECCOMP_POD_ANNOTATION];
  if (annotation !== undefined && annotation !== '') return annotation;
  const field = profileOfField(childAt(podSecurityContext(pod), 'seccompProfile'));
  if (field !== undefined) return field;
  return policy.annotations[SECCOMP_DEFAULT] ?? '';
}

export function validatePodSeccomp(policy: PodSecurityPolicy, pod: JsonObject): string[] {
  let profile = annotationsOf(pod)[SECCOMP_POD_ANNOTATION] ?? '';
  if (profile === '')
    profile = profileOfField(childAt(podSecurityContext(pod), 'seccompProfile')) ?? '';
  return checkSeccomp(
    seccompRule(policy),
    `pod.metadata.annotations[${SECCOMP_POD_ANNOTATION}]`,
    profile,
  );
}

export function validateContainerSeccomp(
  policy: PodSecurityPolicy,
  pod: JsonObject,
  container: JsonObject,
  name: string,
): string[] {
  const key = `${SECCOMP_CONTAINER_PREFIX}${name}`;
  const annotations = annotationsOf(pod);
  const profile =
    profileOfField(childAt(childAt(container, 'securityContext'), 'seccompProfile')) ??
    annotations[key] ??
    profileOfField(childAt(podSecurityContext(pod), 'seccompProfile')) ??
    annotations[SECCOMP_POD_ANNOTATION] ??
    '';
  return checkSeccomp(seccompRule(policy), `pod.metadata.annotations[${key}]`, profile);
}

function checkSeccomp(rule: SeccompRule, path: string, profile: string): string[] {
  if (!rule.allowAny && rule.allowed.size === 0 && profile !== '')
    return [forbiddenField(path, 'seccomp may not be set')];
  const allowed =
    (rule.allowed.size === 0 && profile === '') || rule.allowAny || rule.allowed.has(profile);
  return allowed
    ? []
    : [
        forbiddenField(
          path,
          `${profile} is not an allowed seccomp profile. Valid values are ${rule.allowedText}`,
        ),
      ];
}

function podSecurityContext(pod: JsonObject): JsonObject | undefined {
  return childAt(childAt(pod, 'spec'), 'securityContext');
}

// --- apparmor/strategy.go

const APPARMOR_CONTAINER_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const APPARMOR_ALLOWED = 'apparmor.security.beta.kubernetes.io/allowedProfileNames';
const APPARMOR_DEFAULT = 'apparmor.security.beta.kubernetes.io/defaultProfileName';

/** The annotation to add for this container's default profile, if any. */
export function generateAppArmor(
  policy: PodSecurityPolicy,
  pod: JsonObject,
  name: string,
): { key: string; value: string } | undefined {
  const key = `${APPARMOR_CONTAINER_PREFIX}${name}`;
  const profile = policy.annotations[APPARMOR_DEFAULT];
  if (profile === undefined || annotationsOf(pod)[key] !== undefined) return undefined;
  return { key, value: profile };
}

export function validateAppArmor(
  policy: PodSecurityPolicy,
  pod: JsonObject,
  name: string,
): string[] {
  const text = policy.annotations[APPARMOR_ALLOWED];
  if (text === undefined) return [];
  const allowed = text.split(',').filter((p) => p !== '');
  const key = `${APPARMOR_CONTAINER_PREFIX}${name}`;
  const path = `pod.metadata.annotations[${key}]`;
  const profile = annotationsOf(pod)[key] ?? '';
  if (profile === '')
    return allowed.length > 0 ? [forbiddenField(path, 'AppArmor profile must be set')] : [];
  return allowed.includes(profile)
    ? []
    : [
        forbiddenField(
          path,
          `${profile} is not an allowed profile. Allowed values: ${JSON.stringify(text)}`,
        ),
      ];
}

// --- util: volume types and host paths

/** A volume's type as policy `volumes` lists it: the name of its source field. */
export function volumeType(volume: JsonObject): string | undefined {
  return Object.keys(volume).find((key) => key !== 'name');
}

/**
 * Whether a projected volume holds only what the service account admission
 * injects (`kube-api-access-*`: the token at path `token` with no audience,
 * the `kube-root-ca.crt` ConfigMap, the namespace from the downward API).
 * A policy that allows `secret` volumes allows it, so that pods keep their
 * token when bound token volumes replace the token Secret (util.go,
 * IsOnlyServiceAccountTokenSources).
 */
export function isServiceAccountTokenVolume(volume: JsonObject): boolean {
  const projected = childAt(volume, 'projected');
  if (projected === undefined) return false;
  return objectsAt(projected, 'sources').every((source) => {
    const token = childAt(source, 'serviceAccountToken');
    const configMap = childAt(source, 'configMap');
    const downward = childAt(source, 'downwardAPI');
    if (token === undefined && configMap === undefined && downward === undefined) return false;
    if (token !== undefined && (token['path'] !== 'token' || (token['audience'] ?? '') !== ''))
      return false;
    if (configMap !== undefined && configMap['name'] !== 'kube-root-ca.crt') return false;
    return objectsAt(downward, 'items').every((item) => {
      const ref = childAt(item, 'fieldRef');
      return (
        item['path'] === 'namespace' &&
        ref?.['apiVersion'] === 'v1' &&
        ref['fieldPath'] === 'metadata.namespace'
      );
    });
  });
}

/** allowedHostPaths: [] allows every path; otherwise a prefix (whole path segments) must match. */
export function hostPathRule(
  policy: PodSecurityPolicy,
  path: string,
): { allowed: boolean; readOnly: boolean } {
  if (policy.allowedHostPaths.length === 0) return { allowed: true, readOnly: false };
  let allowed = false;
  for (const rule of policy.allowedHostPaths) {
    if (!hasPathPrefix(path, rule.pathPrefix)) continue;
    if (!rule.readOnly) return { allowed: true, readOnly: false };
    allowed = true;
  }
  return { allowed, readOnly: allowed };
}

function hasPathPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return false;
  const segments = (p: string) => p.replace(/\/+$/, '').split('/');
  const want = segments(prefix);
  const have = segments(path);
  return want.length <= have.length && want.every((s, i) => s === have[i]);
}

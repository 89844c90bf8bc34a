/**
 * PodSecurityPolicy admission (kube-apiserver <= 1.24, plugin
 * plugin/pkg/admission/security/podsecuritypolicy, rules per
 * https://v1-24.docs.kubernetes.io/docs/concepts/security/pod-security-policy/),
 * pure: a new pod and the stored policies in, the admitted pod (defaults
 * applied, annotation `kubernetes.io/psp` naming the policy) or the refusal
 * text out.
 *
 * Policy order, as documented: policies that admit the pod without changing
 * it come first, in name order; otherwise the first, by name, that admits it
 * with its defaults. Only policies the pod may use count: the plugin asks the
 * authorizer whether the requesting user or the pod's service account has
 * `use` on the policy. The lab models the service account path only: a
 * DaemonSet's or Deployment's pods are created by those controllers' own
 * users, which normally may use no policy, so on a real cluster it is the
 * service account's grant that admits them.
 *
 * Not modelled: SELinux rules other than RunAsAny, sysctls, runtime classes,
 * flexVolume and CSI driver lists, updates (only a create is admitted).
 */
import type { JsonObject } from '../json.js';
import { invalidValue } from '../field-error.js';
import { readPodSecurityPolicy, type PodSecurityPolicy } from './psp-policy.js';
import {
  generateAppArmor,
  generateCapabilities,
  generateGroup,
  generateSeccomp,
  generateUser,
  hostPathRule,
  isServiceAccountTokenVolume,
  SECCOMP_POD_ANNOTATION,
  validateAppArmor,
  validateCapabilities,
  validateContainerSeccomp,
  validateGroups,
  validatePodSeccomp,
  validateUser,
  volumeType,
} from './psp-strategies.js';
import {
  booleanAt,
  childAt,
  containersOf,
  copyJson,
  ensureChild,
  integerAt,
  integersAt,
  objectsAt,
  setAnnotation,
  type PodContainer,
} from './pod.js';

/** The annotation naming the policy that admitted a pod (psputil.ValidatedPSPAnnotation). */
export const PSP_ANNOTATION = 'kubernetes.io/psp';

export type PolicyDecision =
  | { readonly admitted: true; readonly pod: JsonObject; readonly policy: string }
  | { readonly admitted: false; readonly reason: string };

/**
 * `mayUse(policyName)`: whether the pod's service account may use the
 * policy. `reason` is what follows `pods "x" is forbidden: `.
 */
export function admitWithPodSecurityPolicies(
  pod: JsonObject,
  policyObjects: readonly JsonObject[],
  mayUse: (policyName: string) => boolean,
): PolicyDecision {
  const policies = policyObjects
    .map(readPodSecurityPolicy)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const original = JSON.stringify(pod);
  const refusals = new Map<string, string[]>();
  let firstMutated: { pod: JsonObject; policy: string } | undefined;
  for (const policy of policies) {
    const candidate = copyJson(pod);
    mutatePod(policy, candidate);
    const errors = validatePod(policy, candidate);
    if (errors.length > 0) {
      refusals.set(policy.name, errors);
      continue;
    }
    if (!mayUse(policy.name)) continue;
    if (JSON.stringify(candidate) === original) return admitted(candidate, policy.name);
    firstMutated ??= { pod: candidate, policy: policy.name };
  }
  if (firstMutated !== undefined) return admitted(firstMutated.pod, firstMutated.policy);
  // Only the errors of policies the pod may use are shown (kube-apiserver
  // walks a Go map here, in no fixed order; the lab uses name order).
  const shown = [...refusals].filter(([name]) => mayUse(name)).flatMap(([, errors]) => errors);
  return {
    admitted: false,
    reason: `PodSecurityPolicy: unable to admit pod: [${shown.join(' ')}]`,
  };
}

function admitted(pod: JsonObject, policy: string): PolicyDecision {
  setAnnotation(pod, PSP_ANNOTATION, policy);
  return { admitted: true, pod, policy };
}

/** provider.go MutatePod: the policy's defaults for what the pod leaves unset. */
function mutatePod(policy: PodSecurityPolicy, pod: JsonObject): void {
  const spec = ensureChild(pod, 'spec');
  const podSc = () => ensureChild(spec, 'securityContext');
  const current = childAt(spec, 'securityContext');
  if (current?.['supplementalGroups'] === undefined) {
    const group = generateGroup(policy.supplementalGroups);
    if (group !== undefined) podSc()['supplementalGroups'] = [group];
  }
  if (current?.['fsGroup'] === undefined) {
    const group = generateGroup(policy.fsGroup);
    if (group !== undefined) podSc()['fsGroup'] = group;
  }
  const profile = generateSeccomp(policy, pod);
  if (profile !== '') setAnnotation(pod, SECCOMP_POD_ANNOTATION, profile);
  for (const entry of containersOf(spec)) mutateContainer(policy, pod, entry);
}

function mutateContainer(policy: PodSecurityPolicy, pod: JsonObject, entry: PodContainer): void {
  const { container } = entry;
  const podSc = childAt(childAt(pod, 'spec'), 'securityContext');
  const own = () => ensureChild(container, 'securityContext');
  const effective = (field: string) =>
    childAt(container, 'securityContext')?.[field] ?? podSc?.[field];
  // A pod-level value is inherited; a default goes on the container only
  // where it differs from what the container already runs with.
  if (effective('runAsUser') === undefined) {
    const uid = generateUser(policy.runAsUser);
    if (uid !== undefined) own()['runAsUser'] = uid;
  }
  if (effective('runAsGroup') === undefined) {
    const gid = generateGroup(policy.runAsGroup);
    if (gid !== undefined) own()['runAsGroup'] = gid;
  }
  const appArmor = generateAppArmor(policy, pod, entry.name);
  if (appArmor !== undefined) setAnnotation(pod, appArmor.key, appArmor.value);
  if (
    effective('runAsNonRoot') === undefined &&
    effective('runAsUser') === undefined &&
    policy.runAsUser.rule === 'MustRunAsNonRoot'
  )
    own()['runAsNonRoot'] = true;
  const capabilities = generateCapabilities(
    policy,
    childAt(childAt(container, 'securityContext'), 'capabilities'),
  );
  if (capabilities !== undefined)
    own()['capabilities'] = {
      ...(capabilities.add.length > 0 ? { add: [...capabilities.add] } : {}),
      ...(capabilities.drop.length > 0 ? { drop: [...capabilities.drop] } : {}),
    };
  const sc = childAt(container, 'securityContext');
  if (policy.readOnlyRootFilesystem && sc?.['readOnlyRootFilesystem'] === undefined)
    own()['readOnlyRootFilesystem'] = true;
  if (
    policy.defaultAllowPrivilegeEscalation !== undefined &&
    childAt(container, 'securityContext')?.['allowPrivilegeEscalation'] === undefined
  )
    own()['allowPrivilegeEscalation'] = policy.defaultAllowPrivilegeEscalation;
  if (
    !policy.allowPrivilegeEscalation &&
    childAt(container, 'securityContext')?.['allowPrivilegeEscalation'] === undefined
  )
    own()['allowPrivilegeEscalation'] = false;
}

/** provider.go ValidatePod, in its order: pod fields, volumes, then each container. */
function validatePod(policy: PodSecurityPolicy, pod: JsonObject): string[] {
  const spec = childAt(pod, 'spec');
  const sc = childAt(spec, 'securityContext');
  const scPath = 'spec.securityContext';
  const fsGroup = integerAt(sc, 'fsGroup');
  const errors = [
    ...validateGroups(
      policy.fsGroup,
      `${scPath}.fsGroup`,
      fsGroup === undefined ? undefined : [fsGroup],
    ),
    ...validateGroups(
      policy.supplementalGroups,
      `${scPath}.supplementalGroups`,
      integersAt(sc, 'supplementalGroups'),
    ),
    ...validatePodSeccomp(policy, pod),
  ];
  for (const namespace of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (booleanAt(spec, namespace) === true && !policy[namespace]) {
      const what = { hostNetwork: 'Host network', hostPID: 'Host PID', hostIPC: 'Host IPC' };
      errors.push(
        invalidValue(
          `${scPath}.${namespace}`,
          true,
          `${what[namespace]} is not allowed to be used`,
        ),
      );
    }
  }
  errors.push(...validateVolumes(policy, spec ?? {}));
  for (const entry of containersOf(spec ?? {}))
    errors.push(...validateContainer(policy, pod, entry));
  return errors;
}

function validateVolumes(policy: PodSecurityPolicy, spec: JsonObject): string[] {
  const errors: string[] = [];
  const allowAll = policy.volumes.includes('*');
  objectsAt(spec, 'volumes').forEach((volume, index) => {
    const path = `spec.volumes[${index}]`;
    const type = volumeType(volume) ?? '';
    const allowed =
      allowAll ||
      policy.volumes.includes(type) ||
      (type === 'projected' &&
        policy.volumes.includes('secret') &&
        isServiceAccountTokenVolume(volume));
    if (!allowed) {
      errors.push(invalidValue(path, type, `${type} volumes are not allowed to be used`));
      return;
    }
    const hostPath = childAt(volume, 'hostPath')?.['path'];
    if (typeof hostPath !== 'string') return;
    const rule = hostPathRule(policy, hostPath);
    if (!rule.allowed) {
      errors.push(
        invalidValue(`${path}.hostPath.pathPrefix`, hostPath, 'is not allowed to be used'),
      );
      return;
    }
    if (!rule.readOnly) return;
    for (const entry of containersOf(spec))
      objectsAt(entry.container, 'volumeMounts').forEach((mount, m) => {
        if (mount['name'] === volume['name'] && booleanAt(mount, 'readOnly') !== true)
          errors.push(
            invalidValue(`${entry.path}.volumeMounts[${m}].readOnly`, false, 'must be read-only'),
          );
      });
  });
  return errors;
}

function validateContainer(
  policy: PodSecurityPolicy,
  pod: JsonObject,
  entry: PodContainer,
): string[] {
  const { container, path } = entry;
  const scPath = `${path}.securityContext`;
  const own = childAt(container, 'securityContext');
  const podSc = childAt(childAt(pod, 'spec'), 'securityContext');
  const runAsUser = integerAt(own, 'runAsUser') ?? integerAt(podSc, 'runAsUser');
  const runAsNonRoot = booleanAt(own, 'runAsNonRoot') ?? booleanAt(podSc, 'runAsNonRoot');
  const runAsGroup = integerAt(own, 'runAsGroup') ?? integerAt(podSc, 'runAsGroup');
  const errors = [
    ...validateUser(policy.runAsUser, scPath, runAsNonRoot, runAsUser),
    ...validateGroups(
      policy.runAsGroup,
      scPath,
      runAsGroup === undefined ? undefined : [runAsGroup],
    ),
    ...validateAppArmor(policy, pod, entry.name),
    ...validateContainerSeccomp(policy, pod, container, entry.name),
  ];
  if (!policy.privileged && booleanAt(own, 'privileged') === true)
    errors.push(
      invalidValue(`${scPath}.privileged`, true, 'Privileged containers are not allowed'),
    );
  const procMount = typeof own?.['procMount'] === 'string' ? own['procMount'] : 'Default';
  const procMounts =
    policy.allowedProcMountTypes.length > 0 ? policy.allowedProcMountTypes : ['Default'];
  if (!procMounts.includes(procMount))
    errors.push(invalidValue(`${scPath}.procMount`, procMount, 'ProcMountType is not allowed'));
  errors.push(
    ...validateCapabilities(policy, `${scPath}.capabilities`, childAt(own, 'capabilities')),
  );
  for (const port of objectsAt(container, 'ports')) {
    const hostPort = integerAt(port, 'hostPort') ?? 0;
    if (hostPort > 0 && !policy.hostPorts.some((r) => hostPort >= r.min && hostPort <= r.max)) {
      const allowed = policy.hostPorts.map((r) =>
        r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`,
      );
      errors.push(
        invalidValue(
          `${path}.hostPort`,
          hostPort,
          `Host port ${hostPort} is not allowed to be used. Allowed ports: [${allowed.join(',')}]`,
        ),
      );
    }
  }
  if (policy.readOnlyRootFilesystem) {
    const readOnly = booleanAt(own, 'readOnlyRootFilesystem');
    if (readOnly === undefined)
      errors.push(
        invalidValue(
          `${scPath}.readOnlyRootFilesystem`,
          null,
          'ReadOnlyRootFilesystem may not be nil and must be set to true',
        ),
      );
    else if (!readOnly)
      errors.push(
        invalidValue(
          `${scPath}.readOnlyRootFilesystem`,
          false,
          'ReadOnlyRootFilesystem must be set to true',
        ),
      );
  }
  const escalation = booleanAt(own, 'allowPrivilegeEscalation');
  if (!policy.allowPrivilegeEscalation && escalation !== false)
    errors.push(
      invalidValue(
        `${scPath}.allowPrivilegeEscalation`,
        escalation ?? null,
        'Allowing privilege escalation for containers is not allowed',
      ),
    );
  return errors;
}

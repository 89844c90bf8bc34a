/**
 * The pod admission of a lab playing Kubernetes 1.x: PodSecurityPolicy on
 * 1.x <= 24, Pod Security Admission on 1.x >= 23 (on by default since 1.23,
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/),
 * both on 1.23 and 1.24, PodSecurityPolicy first (it is a mutating plugin,
 * so it runs before the validating ones). Only a Pod's create is admitted:
 * its status writes and updates pass, as both plugins let them.
 *
 * PodSecurityPolicy needs the authorizer's answer to "may this service
 * account use this policy"; `mayUsePolicy` is that question, which the lab
 * answers with its RBAC authorizer (`rbac/access.ts`). The default lets every
 * service account use every policy (pure tests).
 *
 * A lab with no PodSecurityPolicy stored admits pods as a cluster without
 * the plugin does: on a real cluster the plugin with no policy refuses every
 * pod (kube-system's too), so a cluster that enables it always holds some.
 */
import { text, type JsonObject } from '../json.js';
import type { Admission } from '../registry.js';
import {
  findResource,
  POD_SECURITY_POLICIES,
  resourceKey,
  type ResourceType,
} from '../resources.js';
import { forbidden } from '../status.js';
import type { Store } from '../store.js';
import { childAt } from './pod.js';
import { admitWithPodSecurityPolicies } from './psp.js';
import { checkPodSecurity, enforcedPolicy } from './standards.js';

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export type MayUsePolicy = (serviceAccount: ServiceAccountRef, policyName: string) => boolean;

export const EVERY_POLICY_USABLE: MayUsePolicy = () => true;

/** The last minor with PodSecurityPolicy, and the first with Pod Security Admission. */
const LAST_PSP_MINOR = POD_SECURITY_POLICIES.servedUntil ?? 24;
const FIRST_PSA_MINOR = 23;
const NAMESPACES = resourceKey(findResource('', 'v1', 'namespaces') as ResourceType);

export class PodSecurityAdmission implements Admission {
  constructor(
    private readonly store: Store,
    private readonly minor: number,
    private readonly mayUsePolicy: MayUsePolicy = EVERY_POLICY_USABLE,
  ) {}

  admit(type: ResourceType, object: JsonObject, old: JsonObject | null): JsonObject {
    if (type.group !== '' || type.kind !== 'Pod' || old !== null) return object;
    const metadata = childAt(object, 'metadata');
    const name = shownName(metadata);
    const namespace = text(metadata?.['namespace']);
    let pod = object;
    if (this.minor <= LAST_PSP_MINOR) {
      const policies = this.store.list(resourceKey(POD_SECURITY_POLICIES), {
        namespace: undefined,
        match: () => true,
      });
      if (policies.length > 0) {
        // The ServiceAccount admission plugin, which runs first, names `default` when the pod names none.
        const account = childAt(pod, 'spec')?.['serviceAccountName'];
        const serviceAccount = {
          namespace,
          name: typeof account === 'string' && account !== '' ? account : 'default',
        };
        const decision = admitWithPodSecurityPolicies(pod, policies, (policy) =>
          this.mayUsePolicy(serviceAccount, policy),
        );
        if (!decision.admitted) throw forbidden('pods', name, decision.reason);
        pod = decision.pod;
      }
    }
    if (this.minor >= FIRST_PSA_MINOR) {
      const labels = childAt(
        childAt(this.store.get(NAMESPACES, '', namespace), 'metadata'),
        'labels',
      );
      const stringLabels: Record<string, string> = {};
      for (const [key, value] of Object.entries(labels ?? {}))
        if (typeof value === 'string') stringLabels[key] = value;
      const refusal = checkPodSecurity(pod, enforcedPolicy(stringLabels), this.minor);
      if (refusal !== undefined) throw forbidden('pods', name, refusal);
    }
    return pod;
  }
}

/**
 * The name a refusal shows. kube-apiserver admits a pod before it generates
 * its name, so a pod made with only `generateName` (as the DaemonSet and
 * ReplicaSet controllers make them) is refused as `pods "speaker-"`; the lab
 * generates the name first, so a name of generateName plus the five random
 * characters is shown as the generateName.
 */
function shownName(metadata: JsonObject | undefined): string {
  const name = text(metadata?.['name']);
  const generateName = text(metadata?.['generateName']);
  return generateName !== '' &&
    name.startsWith(generateName) &&
    name.length === generateName.length + 5
    ? generateName
    : name;
}

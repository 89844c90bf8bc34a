/**
 * Pod admission as kube-apiserver does it by release: PodSecurityPolicy
 * (<= 1.24) and Pod Security Admission (>= 1.23), and the pod a workload's
 * template makes.
 */
export {
  EVERY_POLICY_USABLE,
  PodSecurityAdmission,
  type MayUsePolicy,
  type ServiceAccountRef,
} from './admission.js';
export { podFromTemplate, type PodPlacement } from './pod-template.js';
export { admitWithPodSecurityPolicies, PSP_ANNOTATION, type PolicyDecision } from './psp.js';
export { checkPodSecurity, enforcedPolicy, type EnforcedPolicy, type Level } from './standards.js';

/**
 * The lab: an embedded Kubernetes API server for `metallb-ts lab`, the demo
 * and every integration test.
 */
export { Lab, type LabOptions } from './lab.js';
export type { FaultCommand } from './faults.js';
export { kubeconfigText } from './kubeconfig.js';
export {
  CURRENT_MINOR,
  OLDEST_MINOR,
  parseKubernetesVersion,
  type KubernetesVersion,
} from './versions.js';
export type { AuthorizationRecord, RequestAttributes, UserInfo } from './rbac/index.js';
export type { Json, JsonObject } from './json.js';
export { applyManifests, type ApplyResult } from './apply.js';
export { Kubelet, spawnHere, type KubeletNode, type NodeRuntime } from './kubelet/index.js';

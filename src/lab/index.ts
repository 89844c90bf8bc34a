/**
 * The lab: an embedded Kubernetes API server for `metallb-ts lab`, the demo
 * and every integration test.
 */
export { Lab, type LabOptions } from './lab.js';
export type { FaultCommand } from './faults.js';
export { kubeconfigText } from './kubeconfig.js';
export type { AuthorizationRecord, RequestAttributes, UserInfo } from './rbac/index.js';
export type { Json, JsonObject } from './json.js';

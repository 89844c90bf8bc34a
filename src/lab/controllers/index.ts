/**
 * The lab's workload controllers: DaemonSets and Deployments (through
 * ReplicaSets) become Pods bound to Nodes, as the kube-controller-manager
 * and the scheduler would make them.
 */
export { WorkloadControllers } from './controllers.js';
export { planDaemonSet, REVISION_HASH_LABEL, type DaemonSetPlan } from './daemonset.js';
export { planDeployment, TEMPLATE_HASH_LABEL, type DeploymentPlan } from './deployment.js';
export { fitsNode, chooseNode } from './scheduling.js';
export { templateHash } from './pods.js';

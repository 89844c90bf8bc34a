/**
 * The one place that talks to the API server: cluster access, informers,
 * status writes and Events.
 */
export {
  clusterAccess,
  reuseConnections,
  type AccessOptions,
  type ClusterAccess,
} from './config.js';
export { EventRecorder, referenceTo, type EventType } from './events.js';
export { ResilientInformer, type BackoffOptions, type InformerHandlers } from './informer.js';
export { podIPLister } from './pods.js';
export { writeServiceIngress } from './status.js';
export {
  KubeconfigError,
  kubeconfigPaths,
  loadKubeconfig,
  type ApiEndpoint,
  type KubeconfigResult,
  type LoadOptions,
} from './kubeconfig.js';
export { inClusterEndpoint } from './in-cluster.js';

/**
 * The one place that talks to the API server: cluster access, a small REST
 * client, informers, status writes and Events.
 */
export { clusterAccess, endpointAuth, type AccessOptions, type ClusterAccess } from './config.js';
export { endpointSliceSource, servedVersions, type EndpointSliceSource } from './discovery.js';
export { EventRecorder, referenceTo, type EventType } from './events.js';
export {
  ResilientInformer,
  type BackoffOptions,
  type InformerHandlers,
  type WatchedResource,
} from './informer.js';
export { reuseConnections } from './keep-alive.js';
export { podIPLister } from './pods.js';
export {
  ApiClient,
  ApiError,
  MERGE_PATCH,
  statusOf,
  type Authenticator,
  type CallOptions,
  type Query,
} from './rest.js';
export { ALL_ENDPOINTS, ALL_NODES, ALL_SERVICES, configMapNamed } from './paths.js';
export { readConfigMapData, writeConfigMapData, type ConfigData } from './configmap-data.js';
export { writeServiceIngress } from './status.js';
export type {
  ConfigMap,
  EndpointSlice,
  Endpoints,
  Event,
  Node,
  ObjectList,
  ObjectReference,
  ObjectWithMeta,
  Pod,
  Service,
  Wire,
} from './wire.js';
export {
  KubeconfigError,
  kubeconfigPaths,
  loadKubeconfig,
  type ApiEndpoint,
  type KubeconfigResult,
  type LoadOptions,
} from './kubeconfig.js';
export { inClusterEndpoint } from './in-cluster.js';

/**
 * The lab cluster that runs in a network-namespace topology: the lab API on
 * the bridge, the controller and one speaker per node namespace, each as
 * its own process, and the lab objects (pods, MetalLB's config) that a
 * kubelet or an operator would write. Kubernetes-aware, unlike `../`, so
 * that topology users do not load a Kubernetes client.
 */
export {
  NETNS_CONFIG,
  NETNS_LAN_POOL,
  NETNS_NAMESPACE,
  NetnsCluster,
  SPEAKER_LABELS,
  type BalancerClassVia,
  type LogLine,
  type NetnsClusterOptions,
  type NetnsServiceOptions,
  type ServiceEvent,
} from './cluster.js';
export {
  BALANCER_NODE_LABELS,
  balancerClassText,
  createLabPod,
  createMetallbConfig,
  setLabPodStatus,
  type LabPod,
} from './lab-objects.js';

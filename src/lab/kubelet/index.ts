/**
 * The lab's kubelet: Pods bound to its nodes run as processes of this
 * machine, with the status a kubelet writes.
 */
export { Kubelet, type KubeletNode, type KubeletOptions } from './kubelet.js';
export { spawnHere, type NodeRuntime } from './pod-worker.js';
export { PodTermination } from './termination.js';
export { resolveEnv, expand, type EnvSources, type EnvResult } from './env.js';
export { containerCommand, IMAGE_ENTRYPOINT, IMAGE_CMD } from './image.js';
export { StandInImages } from './stand-in.js';
export { RestartBackOff } from './backoff.js';
export { podStatus, type ContainerView, type PodView } from './pod-status.js';

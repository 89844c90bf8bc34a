/**
 * The addresses of the speaker pods, which is how v0.9 speakers find each
 * other's memberlist: every speaker pod runs with hostNetwork, so its pod
 * IP is its node's address, and they all listen on the same port.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** Lists the pod IPs (non-empty ones) of pods in `namespace` matching `labelSelector`. */
export function podIPLister(
  kubeConfig: KubeConfig,
  namespace: string,
  labelSelector: string,
): () => Promise<string[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    const ips: string[] = [];
    for (const pod of list.items) {
      const ip = pod.status?.podIP;
      if (ip) ips.push(ip);
    }
    return ips;
  };
}

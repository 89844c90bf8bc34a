/**
 * The addresses of the speaker pods, which is how v0.9 speakers find each
 * other's memberlist: every speaker pod runs with hostNetwork, so its pod
 * IP is its node's address, and they all listen on the same port.
 */
import { podsPath } from './paths.js';
import type { ApiClient } from './rest.js';
import type { ObjectList, Pod } from './wire.js';

/** Lists the pod IPs (non-empty ones) of pods in `namespace` matching `labelSelector`. */
export function podIPLister(
  api: ApiClient,
  namespace: string,
  labelSelector: string,
): () => Promise<string[]> {
  const path = podsPath(namespace);
  return async () => {
    const list = await api.request<ObjectList<Pod>>('GET', path, { query: { labelSelector } });
    const ips: string[] = [];
    for (const pod of list.items) {
      const ip = pod.status?.podIP;
      if (ip) ips.push(ip);
    }
    return ips;
  };
}

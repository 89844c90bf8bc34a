/**
 * Writing a Service's `status.loadBalancer` the way a controller must:
 * through the status subresource, with the resourceVersion it decided on
 * as a precondition, re-reading and re-applying on a 409 Conflict (someone
 * else wrote in between), skipping writes that change nothing. A JSON
 * merge patch (RFC 7386) of the status alone: it replaces the ingress list
 * whole, and unlike a PUT it does not send the Service back.
 */
import { MERGE_PATCH, statusOf, type ApiClient } from './rest.js';
import type { Service } from './wire.js';

const MAX_ATTEMPTS = 5;

function servicePath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`;
}

/**
 * `ingress` as IPs; [] clears it. Starts from `cached` (an informer's copy)
 * when given, and reads the object afresh only after a conflict. Resolves to
 * whether a write happened.
 */
export async function writeServiceIngress(
  api: ApiClient,
  namespace: string,
  name: string,
  ips: readonly string[],
  cached?: Service,
): Promise<boolean> {
  const path = servicePath(namespace, name);
  for (let attempt = 1; ; attempt++) {
    const current =
      attempt === 1 && cached !== undefined ? cached : await api.request<Service>('GET', path);
    const now = (current.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    if (now.length === ips.length && now.every((ip, i) => ip === ips[i])) return false;
    const patch = {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      // null deletes the key in a merge patch; an empty object would change nothing.
      status: { loadBalancer: { ingress: ips.length === 0 ? null : ips.map((ip) => ({ ip })) } },
    };
    try {
      await api.request('PATCH', `${path}/status`, { body: patch, contentType: MERGE_PATCH });
      return true;
    } catch (error) {
      if (statusOf(error) !== 409 || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Writing a Service's `status.loadBalancer` the way a controller must:
 * through the status subresource, with the resourceVersion it decided on
 * as a precondition, re-reading and re-applying on a 409 Conflict (someone
 * else wrote in between), skipping writes that change nothing. A JSON
 * merge patch (RFC 7386) of the status alone: it replaces the ingress list
 * whole, and unlike a PUT it does not send the Service back.
 */
import { servicePath, serviceStatusPath } from './paths.js';
import { MERGE_PATCH, statusOf, type ApiClient } from './rest.js';

/** What the write reads of a Service: its resourceVersion and the addresses it holds. */
export interface ServiceStatusView {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly status?: {
    readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string }[] };
  };
}

const MAX_ATTEMPTS = 5;

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
  cached?: ServiceStatusView,
): Promise<boolean> {
  const path = servicePath(namespace, name);
  for (let attempt = 1; ; attempt++) {
    const current =
      attempt === 1 && cached !== undefined
        ? cached
        : await api.request<ServiceStatusView>('GET', path);
    const now = (current.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    if (now.length === ips.length && now.every((ip, i) => ip === ips[i])) return false;
    const patch = {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      // null deletes the key in a merge patch; an empty object would change nothing.
      status: { loadBalancer: { ingress: ips.length === 0 ? null : ips.map((ip) => ({ ip })) } },
    };
    try {
      await api.request('PATCH', serviceStatusPath(namespace, name), {
        body: patch,
        contentType: MERGE_PATCH,
      });
      return true;
    } catch (error) {
      if (statusOf(error) !== 409 || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/**
 * Writing a Service's `status.loadBalancer` the way a controller must:
 * through the status subresource, re-reading and re-applying on a 409
 * Conflict (someone else wrote in between), skipping writes that change
 * nothing.
 */
import type { CoreV1Api, V1LoadBalancerIngress, V1Service } from '@kubernetes/client-node';

const MAX_ATTEMPTS = 5;

/**
 * `ingress` as IPs; [] clears it. Starts from `cached` (an informer's copy)
 * when given, and reads the object afresh only after a conflict. Resolves to
 * whether a write happened.
 */
export async function writeServiceIngress(
  core: CoreV1Api,
  namespace: string,
  name: string,
  ips: readonly string[],
  cached?: V1Service,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const current =
      attempt === 1 && cached !== undefined
        ? structuredClone(cached)
        : await core.readNamespacedService({ name, namespace });
    const now = (current.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    if (now.length === ips.length && now.every((ip, i) => ip === ips[i])) return false;
    const ingress: V1LoadBalancerIngress[] = ips.map((ip) => ({ ip }));
    current.status = { ...current.status, loadBalancer: ips.length === 0 ? {} : { ingress } };
    try {
      await core.replaceNamespacedServiceStatus({ name, namespace, body: current });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

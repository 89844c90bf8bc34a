/**
 * The `status.loadBalancer.ingress` the controller writes for one outcome,
 * as plain data, so the daemon and the tests that replay it write alike.
 * v0.9 clears what it set when a Service stops being a LoadBalancer, has
 * no clusterIP to take a family from, or cannot have its address
 * (controller/service.go, convergeBalancer's clearServiceState): the
 * allocator has let the address go, so the status must stop naming it. A
 * Service still waiting for the first full list is left as it is (v0.9
 * returns before writing).
 */
import { formatIP } from '../ip/index.js';
import type { ServiceConvergence } from './converge-any.js';

/** The addresses to write, in status order, or null when the status is left alone. */
export function ingressWritten(
  outcome: ServiceConvergence,
  held: readonly string[],
): string[] | null {
  if (outcome.rules === 'foreign') return null;
  const result = outcome.result;
  switch (result.kind) {
    case 'assigned':
      return 'ips' in result ? result.ips.map(formatIP) : [formatIP(result.ip)];
    case 'failed':
    case 'not-load-balancer':
    case 'no-cluster-ip':
      return held.length > 0 ? [] : null;
    case 'waiting':
      return null;
  }
}

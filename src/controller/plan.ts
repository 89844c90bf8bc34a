/**
 * A dry run of the controller over a list of Services, as it would go after
 * a restart with a given config: first every Service's current address is
 * restored (in list order), then Services without one are allocated (in
 * list order). This is `metallb-ts plan`: what a new ConfigMap would do,
 * before it is applied.
 */
import { Allocator } from '../allocator/index.js';
import type { Config } from '../config/index.js';
import { formatIP, ipEquals, parseIP, type IPAddress } from '../ip/index.js';
import { convergeService, type ServiceRequest } from './converge.js';

export interface PlannedService {
  readonly service: string;
  /** The address it ends up with, or null. */
  readonly ip: string | null;
  readonly pool: string | null;
  /** Its address differs from the one it holds now (getting a first one counts). */
  readonly changed: boolean;
  /** Why it gets no address, or null. */
  readonly error: string | null;
  /** The address it holds now, or null. */
  readonly previousIp: string | null;
  /** Why the address it held was given up, or null. */
  readonly dropped: string | null;
}

export interface Plan {
  /** LoadBalancer Services, in list order. */
  readonly services: readonly PlannedService[];
  /** Services that are not LoadBalancers (left alone). */
  readonly skipped: number;
  /**
   * Services whose current address lies in no pool of the config. A running
   * controller refuses such a config and keeps its old one (v0.9); only a
   * restart would apply it and move these Services.
   */
  readonly orphaned: readonly { readonly service: string; readonly ip: string }[];
}

export function planServices(config: Config, requests: readonly ServiceRequest[]): Plan {
  const allocator = new Allocator();
  allocator.setPools(config);
  const balancers = requests.filter((r) => r.isLoadBalancer);

  // Restore: what a restarted controller does before its first full list is in.
  const dropped = new Map<string, string>();
  const orphaned: { service: string; ip: string }[] = [];
  for (const request of balancers) {
    const held = heldAddress(request);
    if (held !== null && allocator.poolFor(held) === undefined) {
      orphaned.push({ service: request.key, ip: formatIP(held) });
    }
    const result = convergeService(allocator, request, { synced: false });
    if ((result.kind === 'waiting' || result.kind === 'assigned') && result.dropped !== null) {
      dropped.set(request.key, result.dropped);
    }
  }

  const services = balancers.map((request): PlannedService => {
    const result = convergeService(allocator, request, { synced: true });
    const previous = heldAddress(request);
    const previousIp = previous === null ? null : formatIP(previous);
    const base = { service: request.key, previousIp, dropped: dropped.get(request.key) ?? null };
    switch (result.kind) {
      case 'assigned': {
        const ip = formatIP(result.ip);
        const changed = previous === null || !ipEquals(previous, result.ip);
        return { ...base, ip, pool: result.pool, changed, error: null };
      }
      case 'failed':
        return { ...base, ip: null, pool: null, changed: previousIp !== null, error: result.error };
      case 'no-cluster-ip':
        return {
          ...base,
          ip: null,
          pool: null,
          changed: previousIp !== null,
          error: `spec.clusterIP ${JSON.stringify(request.clusterIP)} is not an IP address, so the address family is unknown`,
        };
      default:
        return {
          ...base,
          ip: null,
          pool: null,
          changed: previousIp !== null,
          error: 'not converged',
        };
    }
  });
  return { services, skipped: requests.length - balancers.length, orphaned };
}

/** The one address in the Service's status, if it has exactly one that parses. */
function heldAddress(request: ServiceRequest): IPAddress | null {
  if (request.ingress.length !== 1) return null;
  const parsed = parseIP(request.ingress[0] ?? '');
  return parsed.ok ? parsed.value : null;
}

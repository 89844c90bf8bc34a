/**
 * A dry run of the controller over a list of Services, as it would go after
 * a restart with a given config: first every Service's current addresses
 * are restored (in list order), then Services without them are allocated
 * (in list order). This is `metallb-ts plan`: what a new ConfigMap would do,
 * before it is applied. Services of a balancer class are planned address by
 * address (docs/SCALEOUT.md); those of another implementation's
 * `loadBalancerClass` are left alone, as the controller leaves them.
 */
import { Allocator } from '../allocator/index.js';
import type { Config } from '../config/index.js';
import { formatIP } from '../ip/index.js';
import {
  balancerChoice,
  heldAddresses,
  heldOutsidePools,
  type ServiceRequest,
} from '../service/index.js';
import { convergeAnyService, type ServiceConvergence } from './converge-any.js';
import { restoreHeld } from './restore.js';

/** What happens to one address of a Service. */
export type AddressChange =
  /** held and kept */
  | 'kept'
  /** held, given up, and another one takes its place */
  | 'moved'
  /** held, given up, with nothing in its place */
  | 'lost'
  /** not held, handed out */
  | 'new';

export interface PlannedAddress {
  readonly change: AddressChange;
  /** The address held now, or null for a new one. */
  readonly previousIp: string | null;
  /** The address it ends up with, or null for a lost one. */
  readonly ip: string | null;
}

export interface PlannedService {
  readonly service: string;
  /** The address it ends up with (for a Service of a class, its first), or null. */
  readonly ip: string | null;
  /** The pool, or for a Service of a class its class (whose pool has its name). */
  readonly pool: string | null;
  /** Its addresses differ from the ones it holds now (getting a first one counts). */
  readonly changed: boolean;
  /** Why it gets no address (or, for a Service of a class, not all it asks for), or null. */
  readonly error: string | null;
  /** The address it holds now (for a Service of a class, its first), or null. */
  readonly previousIp: string | null;
  /** Why addresses it held were given up, or null. */
  readonly dropped: string | null;
  /** The balancer class it is of, or null for a v0.9 Service. */
  readonly balancerClass: string | null;
  /** Every address it ends up with, in status order. */
  readonly ips: readonly string[];
  /** Every address it holds now, in status order. */
  readonly previousIps: readonly string[];
  /** Address by address: the held ones in status order, then the new ones. */
  readonly addresses: readonly PlannedAddress[];
}

export interface Plan {
  /** LoadBalancer Services that are ours (no other implementation's class), in list order. */
  readonly services: readonly PlannedService[];
  /** Services that are not LoadBalancers, or belong to another implementation (left alone). */
  readonly skipped: number;
  /**
   * Services whose current address lies in no pool (nor class) of the
   * config. A running controller refuses such a config and keeps its old one
   * (v0.9); only a restart would apply it and move these Services.
   */
  readonly orphaned: readonly { readonly service: string; readonly ip: string }[];
}

export function planServices(config: Config, requests: readonly ServiceRequest[]): Plan {
  const allocator = new Allocator();
  allocator.setPools(config);
  const classes = config.balancerClasses;
  const ours = requests.filter(
    (r) => r.isLoadBalancer && balancerChoice(r.balancer).kind !== 'foreign',
  );

  const orphaned = heldOutsidePools(allocator, ours);
  // Restore first, as every controller start does (restore.ts), then allocate.
  const dropped = new Map<string, readonly string[]>();
  for (const [key, outcome] of restoreHeld(allocator, ours, classes)) {
    const reasons = droppedReasons(outcome);
    if (reasons.length > 0) dropped.set(key, reasons);
  }

  const services = ours.map((request): PlannedService => {
    const outcome = convergeAnyService(allocator, request, classes, { synced: true });
    const previousIps = heldAddresses(request).map(formatIP);
    const planned = plannedOutcome(request, outcome);
    const reasons = dropped.get(request.key) ?? [];
    return {
      service: request.key,
      ip: planned.ips[0] ?? null,
      pool: planned.ips.length === 0 ? null : planned.pool,
      changed:
        planned.ips.length !== previousIps.length ||
        planned.ips.some((ip, i) => ip !== previousIps[i]),
      error: planned.error,
      previousIp: previousIps[0] ?? null,
      dropped: reasons.length === 0 ? null : reasons.join('; '),
      balancerClass: planned.balancerClass,
      ips: planned.ips,
      previousIps,
      addresses: addressChanges(previousIps, planned.ips),
    };
  });
  return { services, skipped: requests.length - ours.length, orphaned };
}

interface Outcome {
  readonly ips: readonly string[];
  readonly pool: string | null;
  readonly error: string | null;
  readonly balancerClass: string | null;
}

function plannedOutcome(request: ServiceRequest, outcome: ServiceConvergence): Outcome {
  const noClusterIP = `spec.clusterIP ${JSON.stringify(request.clusterIP)} is not an IP address, so the address family is unknown`;
  if (outcome.rules === 'foreign') {
    return { ips: [], pool: null, error: 'not converged', balancerClass: null };
  }
  if (outcome.rules === 'v0.9') {
    const result = outcome.result;
    const none = { ips: [], pool: null, balancerClass: null };
    switch (result.kind) {
      case 'assigned':
        return { ips: [formatIP(result.ip)], pool: result.pool, error: null, balancerClass: null };
      case 'failed':
        return { ...none, error: result.error };
      case 'no-cluster-ip':
        return { ...none, error: noClusterIP };
      default:
        return { ...none, error: 'not converged' };
    }
  }
  const result = outcome.result;
  switch (result.kind) {
    case 'assigned':
      return {
        ips: result.ips.map(formatIP),
        pool: result.className,
        error: result.shortfall,
        balancerClass: result.className,
      };
    case 'failed':
      return { ips: [], pool: null, error: result.error, balancerClass: result.className };
    case 'no-cluster-ip':
      return { ips: [], pool: null, error: noClusterIP, balancerClass: null };
    default:
      return { ips: [], pool: null, error: 'not converged', balancerClass: result.className };
  }
}

function droppedReasons(outcome: ServiceConvergence): readonly string[] {
  if (outcome.rules === 'foreign') return [];
  if (outcome.rules === 'v0.9') {
    const result = outcome.result;
    return 'dropped' in result && result.dropped !== null ? [result.dropped] : [];
  }
  const result = outcome.result;
  return 'dropped' in result ? result.dropped : [];
}

/**
 * Held addresses kept where they are; each one given up is paired, in
 * order, with a new one taking its place (moved), or lost when none does;
 * new addresses left over are new.
 */
function addressChanges(previous: readonly string[], now: readonly string[]): PlannedAddress[] {
  const gone = previous.filter((ip) => !now.includes(ip));
  const fresh = now.filter((ip) => !previous.includes(ip));
  const changes: PlannedAddress[] = previous.map((ip) => {
    if (now.includes(ip)) return { change: 'kept', previousIp: ip, ip };
    const replacement = fresh[gone.indexOf(ip)];
    return replacement === undefined
      ? { change: 'lost', previousIp: ip, ip: null }
      : { change: 'moved', previousIp: ip, ip: replacement };
  });
  for (const ip of fresh.slice(gone.length)) changes.push({ change: 'new', previousIp: null, ip });
  return changes;
}

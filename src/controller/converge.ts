/**
 * One Service converged towards its address, as v0.9's controller does
 * (docs/COMPAT.md section 2; controller service.go convergeBalancer and
 * allocateIP), over plain data and an Allocator: no Kubernetes client, no
 * I/O. The daemon and `metallb-ts plan` both run this.
 */
import type { Allocator } from '../allocator/index.js';
import { formatIP, ipEquals, type IPAddress } from '../ip/index.js';
import { readServiceAddress, type ServiceRequest } from '../service/index.js';

export type Convergence =
  /** Not a LoadBalancer: whatever it held is released. */
  | { readonly kind: 'not-load-balancer' }
  /** No valid clusterIP, so no family: left without an address. */
  | { readonly kind: 'no-cluster-ip' }
  /** Needs a new address, but the first full list of Services is not in yet. */
  | { readonly kind: 'waiting'; readonly dropped: string | null }
  | {
      readonly kind: 'assigned';
      readonly ip: IPAddress;
      readonly pool: string;
      /** A new address was handed out (rather than the held one kept). */
      readonly allocated: boolean;
      /** Why the address the Service held was dropped, if it was. */
      readonly dropped: string | null;
    }
  | { readonly kind: 'failed'; readonly error: string; readonly dropped: string | null };

export interface ConvergeOptions {
  /**
   * The first complete list of Services is in. Until then nothing new is
   * allocated, so that every address already held is restored first and a
   * restart never moves one.
   */
  readonly synced: boolean;
}

export function convergeService(
  allocator: Allocator,
  request: ServiceRequest,
  options: ConvergeOptions,
): Convergence {
  const { key, claim } = request;
  if (!request.isLoadBalancer) {
    allocator.unassign(key);
    return { kind: 'not-load-balancer' };
  }
  const clusterIP = readServiceAddress(request.clusterIP);
  if (!clusterIP.ok) {
    allocator.unassign(key);
    return { kind: 'no-cluster-ip' };
  }
  const family = clusterIP.value.family;

  // What the Service holds now: exactly one ingress IP, of its own family.
  let held: IPAddress | null = null;
  let dropped: string | null = null;
  const ingress =
    request.ingress.length === 1 ? readServiceAddress(request.ingress[0] ?? '') : null;
  if (ingress?.ok === true && ingress.value.family === family) held = ingress.value;
  else if (request.ingress.length > 0)
    dropped = `its ingress ${request.ingress.join(', ')} is not one IPv${family} address`;
  if (held === null) allocator.unassign(key);

  if (held !== null) {
    const kept = allocator.assign(key, held, claim);
    const heldText = formatIP(held);
    if (!kept.ok) dropped = `${heldText} is no longer allowed: ${kept.error}`;
    else if (request.pool !== '' && allocator.poolOf(key) !== request.pool) {
      dropped = `${heldText} is in pool ${JSON.stringify(allocator.poolOf(key))}, the annotation asks for ${JSON.stringify(request.pool)}`;
    } else if (request.loadBalancerIP !== '' && !sameAddress(request.loadBalancerIP, held)) {
      dropped = `spec.loadBalancerIP asks for ${request.loadBalancerIP} instead of ${heldText}`;
    }
    if (dropped !== null) {
      allocator.unassign(key);
      held = null;
    }
  }

  if (held !== null) {
    return {
      kind: 'assigned',
      ip: held,
      pool: allocator.poolOf(key) ?? '',
      allocated: false,
      dropped,
    };
  }
  if (!options.synced) return { kind: 'waiting', dropped };

  const result = allocateFor(allocator, request, family);
  if (!result.ok) return { kind: 'failed', error: result.error, dropped };
  return {
    kind: 'assigned',
    ip: result.value,
    pool: allocator.poolOf(key) ?? '',
    allocated: true,
    dropped,
  };
}

/**
 * v0.9 compared the text with the held address's IP.String()
 * (controller/service.go convergeBalancer): another spelling of the held
 * address (`2001:DB8::1`, `::ffff:10.0.0.6`, `010.0.0.6`) cleared it and
 * allocateIP assigned the same address again at once, with an IPAllocated
 * Event on every sync. Comparing addresses ends in the same address and
 * status without the Event, and without v0.9's window at a restart: until
 * synced it had let the address go, and a Service allocated first could
 * take it (docs/COMPAT.md section 2).
 */
function sameAddress(text: string, ip: IPAddress): boolean {
  const parsed = readServiceAddress(text);
  return parsed.ok && ipEquals(parsed.value, ip);
}

/** v0.9's order of preference: spec.loadBalancerIP, then the pool annotation, then any auto-assign pool. */
function allocateFor(
  allocator: Allocator,
  request: ServiceRequest,
  family: 4 | 6,
): ReturnType<Allocator['assign']> {
  const { key, claim } = request;
  if (request.loadBalancerIP !== '') {
    const wanted = readServiceAddress(request.loadBalancerIP);
    if (!wanted.ok) return { ok: false, error: `invalid spec.loadBalancerIP: ${wanted.error}` };
    if (wanted.value.family !== family) {
      return {
        ok: false,
        error: `spec.loadBalancerIP ${request.loadBalancerIP} is not IPv${family} like the Service's clusterIP ${request.clusterIP}`,
      };
    }
    return allocator.assign(key, wanted.value, claim);
  }
  if (request.pool !== '') return allocator.allocateFromPool(key, family, request.pool, claim);
  return allocator.allocate(key, family, claim);
}

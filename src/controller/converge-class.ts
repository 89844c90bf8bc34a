/**
 * One Service of a balancer class converged towards its N addresses
 * (docs/SCALEOUT.md, "A Service of a class"), over plain data and an
 * Allocator, with v0.9's habits carried over address by address:
 *
 * - what the status holds is restored first and kept while still valid, and
 *   nothing new is handed out before the first full list of Services is in,
 *   so a restart never moves an address (docs/COMPAT.md section 2);
 * - slot k of the Service is the k-th entry of its status, under its own
 *   allocator key (`slotKey`): growing the count appends, shrinking it
 *   releases the last ones, and an address that is no longer allowed is
 *   replaced in its own slot, so the others keep their places;
 * - a requested address is assigned as v0.9 assigns `spec.loadBalancerIP`:
 *   when it cannot be had, the Service fails and holds nothing.
 */
import { slotKey, type Allocator, type Claim } from '../allocator/index.js';
import type { BalancerClass } from '../config/index.js';
import { formatIP, ipEquals, type IPAddress } from '../ip/index.js';
import {
  POOL_ANNOTATION,
  readServiceAddress,
  type BalancerChoice,
  type ServiceRequest,
} from '../service/index.js';
import { classWish } from './class-request.js';
import type { ConvergeOptions } from './converge.js';

export type ClassConvergence =
  /** No valid clusterIP, so no family: left without addresses. */
  | { readonly kind: 'no-cluster-ip' }
  /** Holds nothing; `className` is null when the Service names no clear class. */
  | {
      readonly kind: 'failed';
      readonly className: string | null;
      readonly error: string;
      readonly dropped: readonly string[];
    }
  /** Needs new addresses, but the first full list of Services is not in yet. */
  | {
      readonly kind: 'waiting';
      readonly className: string;
      /** Restored so far, in slot order. */
      readonly ips: readonly IPAddress[];
      readonly dropped: readonly string[];
    }
  | {
      readonly kind: 'assigned';
      readonly className: string;
      /** In slot order: what `status.loadBalancer.ingress` lists. */
      readonly ips: readonly IPAddress[];
      /** Addresses handed out now (not held before). */
      readonly allocated: readonly IPAddress[];
      /** Held addresses given up because the Service asks for fewer. */
      readonly released: readonly IPAddress[];
      /** Why held addresses were given up otherwise, one reason each. */
      readonly dropped: readonly string[];
      /** Why it has fewer addresses than it asks for, or null when it has them all. */
      readonly shortfall: string | null;
    };

export function convergeClassService(
  allocator: Allocator,
  request: ServiceRequest,
  choice: Extract<BalancerChoice, { kind: 'class' | 'invalid' }>,
  classes: readonly BalancerClass[],
  options: ConvergeOptions,
): ClassConvergence {
  const { key } = request;
  const fail = (
    className: string | null,
    error: string,
    dropped: readonly string[] = [],
  ): ClassConvergence => {
    allocator.unassignService(key);
    return { kind: 'failed', className, error, dropped };
  };
  if (choice.kind === 'invalid') return fail(null, choice.error);
  const balancerClass = classes.find((c) => c.name === choice.className);
  if (balancerClass === undefined) {
    return fail(
      choice.className,
      `no balancer class ${JSON.stringify(choice.className)} in the config`,
    );
  }
  const className = balancerClass.name;
  if (request.pool !== '') {
    return fail(
      className,
      `annotation ${POOL_ANNOTATION} has no meaning on a Service of balancer class ${JSON.stringify(className)}: its addresses come from the class`,
    );
  }
  const clusterIP = readServiceAddress(request.clusterIP);
  if (!clusterIP.ok) {
    allocator.unassignService(key);
    return { kind: 'no-cluster-ip' };
  }
  const family = clusterIP.value.family;
  const wish = classWish(request.balancer, request.loadBalancerIP, balancerClass, family);
  if (!wish.ok) return fail(className, wish.error);
  const { count, requested, requestedBy } = wish.value;
  const claim: Claim = { ...request.claim, balancerClass: className };

  // 1. What the status holds, slot by slot.
  const slots: (IPAddress | null)[] = new Array<IPAddress | null>(count).fill(null);
  const dropped: string[] = [];
  const released: IPAddress[] = [];
  const holds = (ip: IPAddress): boolean => slots.some((s) => s !== null && ipEquals(s, ip));
  request.ingress.forEach((text, slot) => {
    const parsed = readServiceAddress(text);
    if (!parsed.ok || parsed.value.family !== family) {
      dropped.push(`its ingress ${JSON.stringify(text)} is not an IPv${family} address`);
    } else if (slot >= count) {
      released.push(parsed.value);
    } else if (holds(parsed.value)) {
      dropped.push(`its ingress lists ${formatIP(parsed.value)} twice`);
    } else {
      slots[slot] = parsed.value;
    }
  });

  // 2. Requested addresses it does not hold need slots: empty ones, else the
  //    last ones holding an address nobody asked for.
  const isRequested = (ip: IPAddress): boolean => requested.some((r) => ipEquals(r, ip));
  const missing = requested.filter((ip) => !holds(ip)).length;
  let empty = slots.filter((s) => s === null).length;
  for (let slot = count - 1; slot >= 0 && empty < missing; slot--) {
    const held = slots[slot] ?? null;
    if (held === null || isRequested(held)) continue;
    dropped.push(`${formatIP(held)} gives way to an address asked for by ${requestedBy}`);
    slots[slot] = null;
    empty++;
  }

  // 3. Restore: re-take each held address under its slot's key, checked
  //    against today's config and sharing rules like any assignment.
  allocator.unassignService(key);
  slots.forEach((held, slot) => {
    if (held === null) return;
    const kept = allocator.assign(slotKey(key, slot), held, claim);
    if (!kept.ok) {
      dropped.push(`${formatIP(held)} is no longer allowed: ${kept.error}`);
      slots[slot] = null;
    }
  });
  const ipsNow = (): IPAddress[] => slots.filter((s): s is IPAddress => s !== null);
  const complete = slots.every((s) => s !== null) && requested.every(holds);
  if (complete) {
    return {
      kind: 'assigned',
      className,
      ips: ipsNow(),
      allocated: [],
      released,
      dropped,
      shortfall: null,
    };
  }
  if (!options.synced) return { kind: 'waiting', className, ips: ipsNow(), dropped };

  // 4. Requested addresses go into the first empty slots, in the order asked.
  const allocated: IPAddress[] = [];
  for (const wanted of requested) {
    if (holds(wanted)) continue;
    const slot = slots.indexOf(null);
    // Step 2 left an empty slot for each; restore failures only add more.
    if (slot === -1) return fail(className, `no slot left for ${formatIP(wanted)}`, dropped);
    const result = allocator.assign(slotKey(key, slot), wanted, claim);
    if (!result.ok) return fail(className, result.error, dropped);
    slots[slot] = wanted;
    allocated.push(wanted);
  }

  // 5. The rest from the class, lowest address first (v0.9's order within a pool).
  let shortfall: string | null = null;
  for (let slot = 0; slot < count && shortfall === null; slot++) {
    if (slots[slot] !== null) continue;
    const result = allocator.allocateFromPool(slotKey(key, slot), family, className, claim);
    if (result.ok) {
      slots[slot] = result.value;
      allocated.push(result.value);
    } else {
      shortfall = result.error;
    }
  }
  const ips = ipsNow();
  if (shortfall !== null) {
    if (ips.length === 0) return fail(className, shortfall, dropped);
    shortfall = `it has ${ips.length} of the ${count} addresses it asks for: ${shortfall}`;
    // Close the gaps, so that slot k is again the k-th address of the status.
    allocator.unassignService(key);
    ips.forEach((ip, slot) => allocator.assign(slotKey(key, slot), ip, claim));
  }
  return { kind: 'assigned', className, ips, allocated, released, dropped, shortfall };
}

/**
 * The first pass of every controller start, and of `plan`: each address a
 * Service holds (`status.loadBalancer.ingress`, as a v0.9 controller or an
 * earlier run left it) is taken back for that Service before anything is
 * allocated. Allocation picks the lowest free address, so a Service without
 * one that was converged before all holders were restored would take an
 * address another Service holds, and that Service would then move; with
 * this pass first, the order in which Services are listed, queued or worked
 * cannot matter. v0.9's controller reached the same end by allocating
 * nothing before its first full list was in (controller/main.go, the
 * `synced` flag); a worker pool converging Services concurrently needs the
 * pass to be one synchronous step.
 */
import type { Allocator, Orphan } from '../allocator/index.js';
import type { BalancerClass } from '../config/index.js';
import { formatIP, parseIP, type IPAddress } from '../ip/index.js';
import { balancerChoice, type ServiceRequest } from '../service/index.js';
import { convergeAnyService, type ServiceConvergence } from './converge-any.js';
import { ingressWritten } from './ingress-written.js';

/**
 * Restores what each of `requests` holds, in list order, and returns each
 * restored Service's outcome by key (held addresses kept, or why one was
 * given up). Services that hold nothing, are not LoadBalancers or belong to
 * another implementation's class are skipped: the pass only takes back,
 * so it cannot release an address allocated since the status was read.
 */
export function restoreHeld(
  allocator: Allocator,
  requests: Iterable<ServiceRequest>,
  classes: readonly BalancerClass[],
): Map<string, ServiceConvergence> {
  const outcomes = new Map<string, ServiceConvergence>();
  for (const request of requests) {
    if (request.ingress.length === 0 || !request.isLoadBalancer) continue;
    if (balancerChoice(request.balancer).kind === 'foreign') continue;
    outcomes.set(request.key, convergeAnyService(allocator, request, classes, { synced: false }));
  }
  return outcomes;
}

/**
 * The addresses Services hold (in their status) that lie in no pool of the
 * allocator's config: the check a config must pass to be taken, at start
 * as at run time (the allocator's own `setPools` makes it for the
 * addresses it holds; this makes it for the statuses, which a start has
 * before it holds anything). Services that are not LoadBalancers or are of
 * another implementation's class hold nothing of ours.
 */
export function heldOutsidePools(
  allocator: Allocator,
  requests: Iterable<ServiceRequest>,
): Orphan[] {
  const orphans: Orphan[] = [];
  for (const request of requests) {
    if (!request.isLoadBalancer || balancerChoice(request.balancer).kind === 'foreign') continue;
    for (const held of heldAddresses(request)) {
      if (allocator.poolFor(held) === undefined)
        orphans.push({ service: request.key, ip: formatIP(held) });
    }
  }
  return orphans;
}

/**
 * The addresses the Service's status holds that parse: for a v0.9 Service
 * only when it holds exactly one (v0.9 reads no other status as an
 * assignment), for a Service of a class every one.
 */
export function heldAddresses(request: ServiceRequest): IPAddress[] {
  const parsed = request.ingress.map((text) => parseIP(text));
  if (balancerChoice(request.balancer).kind === 'none') {
    const only = parsed.length === 1 ? parsed[0] : undefined;
    return only?.ok === true ? [only.value] : [];
  }
  return parsed.flatMap((p) => (p.ok ? [p.value] : []));
}

/**
 * The restore pass left nothing for a worker to do: the Service keeps
 * every address it held, asks for no more, and its status says so already.
 * Its key need not be worked after the pass (a no-op that costs 10,000
 * converges on a start over 10,000 holders, bench/restart).
 */
export function isSettled(outcome: ServiceConvergence, held: readonly string[]): boolean {
  if (outcome.rules === 'foreign') return false;
  if (outcome.rules === 'v0.9') {
    const result = outcome.result;
    if (result.kind !== 'assigned' || result.allocated || result.dropped !== null) return false;
  } else {
    const result = outcome.result;
    if (result.kind !== 'assigned' || result.shortfall !== null) return false;
    if (result.allocated.length + result.released.length + result.dropped.length > 0) return false;
  }
  const written = ingressWritten(outcome, held);
  return written?.length === held.length && written.every((ip, i) => ip === held[i]);
}

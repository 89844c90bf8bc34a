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
import type { Allocator } from '../allocator/index.js';
import type { BalancerClass } from '../config/index.js';
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

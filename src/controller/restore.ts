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

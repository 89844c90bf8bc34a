/**
 * Which rules a Service is converged by: v0.9's single address
 * (converge.ts), a balancer class's N addresses (converge-class.ts), or
 * none at all for a `spec.loadBalancerClass` of another implementation,
 * which Kubernetes leaves to that implementation alone.
 */
import type { Allocator } from '../allocator/index.js';
import type { BalancerClass } from '../config/index.js';
import { balancerChoice, type ServiceRequest } from '../service/index.js';
import { convergeClassService, type ClassConvergence } from './converge-class.js';
import { convergeService, type Convergence, type ConvergeOptions } from './converge.js';

export type ServiceConvergence =
  | { readonly rules: 'v0.9'; readonly result: Convergence }
  | { readonly rules: 'class'; readonly result: ClassConvergence }
  /** Not ours: nothing held for it, nothing to write. */
  | { readonly rules: 'foreign'; readonly loadBalancerClass: string };

export function convergeAnyService(
  allocator: Allocator,
  request: ServiceRequest,
  classes: readonly BalancerClass[],
  options: ConvergeOptions,
): ServiceConvergence {
  const choice = balancerChoice(request.balancer);
  if (choice.kind === 'foreign') {
    allocator.unassignService(request.key);
    return { rules: 'foreign', loadBalancerClass: choice.loadBalancerClass };
  }
  if (choice.kind === 'none' || !request.isLoadBalancer) {
    // A Service that leaves its class keeps at most the one address v0.9 gives.
    allocator.unassignExtraSlots(request.key);
    return { rules: 'v0.9', result: convergeService(allocator, request, options) };
  }
  return {
    rules: 'class',
    result: convergeClassService(allocator, request, choice, classes, options),
  };
}

/**
 * The Service has fewer addresses than it asks for (none, or for a Service
 * of a class not all N): an address released elsewhere may be for it.
 */
export function isShortOfAddresses(outcome: ServiceConvergence): boolean {
  if (outcome.rules === 'foreign') return false;
  if (outcome.rules === 'v0.9') return outcome.result.kind === 'failed';
  const result = outcome.result;
  return result.kind === 'failed' || (result.kind === 'assigned' && result.shortfall !== null);
}

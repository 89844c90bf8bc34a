/**
 * The annotations and class prefix metallb-ts reads on a Service: v0.9's
 * two, and the balancer-class ones of docs/SCALEOUT.md ("A Service of a
 * class").
 */

/** v0.9: the annotation naming the pool a Service wants. */
export const POOL_ANNOTATION = 'metallb.universe.tf/address-pool';
/** v0.9: the annotation whose value lets Services share an address. */
export const SHARING_ANNOTATION = 'metallb.universe.tf/allow-shared-ip';

/**
 * `spec.loadBalancerClass` values of the form `metallb-ts.io/<class>` are
 * ours; any other value belongs to another implementation.
 */
export const BALANCER_CLASS_PREFIX = 'metallb-ts.io/';
/** Opts a Service into a class where `spec.loadBalancerClass` cannot be set. */
export const BALANCER_CLASS_ANNOTATION = 'metallb-ts.io/balancer-class';
/** How many addresses a Service of a class gets (1 to 64), instead of the class's `ips-per-service`. */
export const IP_COUNT_ANNOTATION = 'metallb-ts.io/ip-count';
/** The addresses of its class a Service asks for, comma-separated. */
export const LOAD_BALANCER_IPS_ANNOTATION = 'metallb-ts.io/load-balancer-ips';

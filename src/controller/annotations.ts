/**
 * The Service fields and annotations the controller reads: v0.9's two, and
 * the balancer-class ones of docs/SCALEOUT.md ("A Service of a class").
 */

/** v0.9: the annotation naming the pool a Service wants. */
export const POOL_ANNOTATION = 'metallb.universe.tf/address-pool';
/** v0.9: the annotation whose value lets Services share an address. */
export const SHARING_ANNOTATION = 'metallb.universe.tf/allow-shared-ip';

export { BALANCER_CLASS_ANNOTATION, BALANCER_CLASS_PREFIX } from '../config/index.js';
/** How many addresses a Service of a class gets (1 to 64), instead of the class's `ips-per-service`. */
export const IP_COUNT_ANNOTATION = 'metallb-ts.io/ip-count';
/** The addresses of its class a Service asks for, comma-separated. */
export const LOAD_BALANCER_IPS_ANNOTATION = 'metallb-ts.io/load-balancer-ips';

/** The most addresses one Service of a class may have (docs/SCALEOUT.md). */
export const MAX_IPS_PER_SERVICE = 64;

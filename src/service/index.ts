/**
 * A Service (and a Node) as metallb-ts reads it (pure): keys, annotations,
 * the balancer class, the controller's request and the speaker's facts, and
 * the slim forms the daemons cache. Both daemons, `plan` and `migrate` read
 * Services through this folder only, so they agree on every field.
 */
export {
  BALANCER_CLASS_ANNOTATION,
  BALANCER_CLASS_PREFIX,
  IP_COUNT_ANNOTATION,
  LOAD_BALANCER_IPS_ANNOTATION,
  POOL_ANNOTATION,
  SHARING_ANNOTATION,
} from './annotations.js';
export {
  balancerChoice,
  type BalancerChoice,
  type BalancerFields,
  type ClassFields,
} from './balancer-class.js';
export { ingressOf, keyParts, serviceKey, slimService, type ServiceObject } from './object.js';
export { backendKey, claimOf, serviceRequest, type ServiceRequest } from './request.js';
export { readServiceAddress } from './address.js';
export { heldAddresses, heldAddressesRefusal, heldOutsidePools } from './held.js';
export { serviceFacts, type ServiceFacts } from './facts.js';
export { nodeFacts, sameNodeFacts, slimNode, type NodeFacts, type NodeObject } from './node.js';

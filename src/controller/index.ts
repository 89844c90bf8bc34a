/**
 * The controller: Services + Config -> addresses. The pure parts: converging
 * one Service (v0.9's rules, or a balancer class's N addresses) and
 * planning a whole list; the daemon around them (watches, status writes,
 * events).
 */
export {
  convergeService,
  type Convergence,
  type ConvergeOptions,
  type ServiceRequest,
} from './converge.js';
export { convergeClassService, type ClassConvergence } from './converge-class.js';
export { convergeAnyService, type ServiceConvergence } from './converge-any.js';
export {
  balancerChoice,
  classWish,
  type BalancerChoice,
  type BalancerFields,
  type ClassWish,
} from './class-request.js';
export {
  BALANCER_CLASS_ANNOTATION,
  BALANCER_CLASS_PREFIX,
  IP_COUNT_ANNOTATION,
  LOAD_BALANCER_IPS_ANNOTATION,
  MAX_IPS_PER_SERVICE,
} from './annotations.js';
export {
  planServices,
  type AddressChange,
  type Plan,
  type PlannedAddress,
  type PlannedService,
} from './plan.js';
export {
  backendKey,
  claimOf,
  POOL_ANNOTATION,
  serviceKey,
  serviceRequest,
  SHARING_ANNOTATION,
  type ServiceObject,
} from './service-object.js';
export { ControllerDaemon, type ControllerOptions, type Log } from './daemon.js';

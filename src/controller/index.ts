/**
 * The controller: Services + Config -> addresses. The pure parts: converging
 * one Service (v0.9's rules, or a balancer class's N addresses) and
 * planning a whole list; the daemon around them (watches, status writes,
 * events). A Service is read into a request by `src/service/`.
 */
export { convergeService, type Convergence, type ConvergeOptions } from './converge.js';
export { convergeClassService, type ClassConvergence } from './converge-class.js';
export { convergeAnyService, isShortOfAddresses, type ServiceConvergence } from './converge-any.js';
export { ingressWritten } from './ingress-written.js';
export { isSettled, restoreHeld } from './restore.js';
export { classWish, type ClassWish } from './class-request.js';
export {
  planServices,
  type AddressChange,
  type Plan,
  type PlannedAddress,
  type PlannedService,
} from './plan.js';
export { ControllerDaemon, type ControllerOptions } from './daemon.js';

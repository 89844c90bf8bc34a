/**
 * The controller: Services + Config -> addresses. The pure parts so far:
 * converging one Service (v0.9's rules) and planning a whole list. The
 * daemon around them (watches, status writes, events) is planned.
 */
export {
  convergeService,
  type Convergence,
  type ConvergeOptions,
  type ServiceRequest,
} from './converge.js';
export { planServices, type Plan, type PlannedService } from './plan.js';
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

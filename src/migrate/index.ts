/**
 * Moving between MetalLB v0.9 and metallb-ts, and on to current MetalLB
 * (pure): the pre-upgrade check and the ConfigMap as `metallb.io` resources.
 */
export {
  checkUpgrade,
  type ConfigFinding,
  type ConfigReading,
  type ServiceFinding,
  type UpgradeCheck,
} from './check.js';
export {
  BGP_PEER_API,
  MAX_CRD_PEER_PORT,
  METALLB_API,
  toCrds,
  type CrdConversion,
  type Rename,
  type Resource,
} from './crds.js';
export { acceptedByV09 } from './leniency.js';
export { assignNames, isObjectName, objectName } from './names.js';

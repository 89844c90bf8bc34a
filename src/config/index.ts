/**
 * The MetalLB v0.9 `config` ConfigMap: text -> validated Config (pure), with
 * the metallb-ts `balancer-classes` data key (docs/SCALEOUT.md).
 */
export type {
  AddressEntry,
  BalancerClass,
  BgpAdvertisement,
  Config,
  ConfigError,
  ConfigResult,
  ConfigWarning,
  NodeSelector,
  Peer,
  Pool,
  Protocol,
  SelectorOperator,
  SelectorRequirement,
} from './types.js';
export { parseConfig, type ParseOptions } from './parse.js';
export {
  CONFIG_KEY,
  LAST_ACCEPTED_CONFIG_MAP,
  parseConfigData,
  type DataParseOptions,
} from './data.js';
export {
  CLASSES_KEY,
  parseBalancerClasses,
  type ClassesOptions,
  type ClassesResult,
} from './classes.js';
export { MAX_IPS_PER_SERVICE, MIN_IPS_PER_SERVICE } from './classes-schema.js';
export { summarizeErrors } from './summary.js';
export { isBuggyAddress, usableAddressCount } from './addresses.js';
export { formatCommunity, parseCommunity } from './community.js';
export { parseGoDuration } from './duration.js';
export { nodeSelectorsMatch, selectorMatches } from './labels.js';
export { formatPath, type Path, type PathSegment } from './path.js';
export {
  balancerClassView,
  configView,
  peerView,
  poolView,
  type BalancerClassView,
  type ConfigView,
  type PeerView,
  type PoolView,
  type ValidationView,
} from './view.js';

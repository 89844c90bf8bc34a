/**
 * The MetalLB v0.9 `config` ConfigMap: text -> validated Config (pure).
 */
export type {
  AddressEntry,
  BalancerClass,
  BgpAdvertisement,
  Config,
  ConfigError,
  ConfigResult,
  NodeSelector,
  Peer,
  Pool,
  Protocol,
  SelectorOperator,
  SelectorRequirement,
} from './types.js';
export { parseConfig, type ParseOptions } from './parse.js';
export { summarizeErrors } from './summary.js';
export { isBuggyAddress, usableAddressCount } from './addresses.js';
export { formatCommunity, parseCommunity } from './community.js';
export { parseGoDuration } from './duration.js';
export { nodeSelectorsMatch, selectorMatches } from './labels.js';
export { formatPath, type Path, type PathSegment } from './path.js';
export {
  configView,
  peerView,
  poolView,
  type ConfigView,
  type PeerView,
  type PoolView,
  type ValidationView,
} from './view.js';

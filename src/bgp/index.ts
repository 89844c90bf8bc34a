/**
 * Public API of the BGP module: the wire codec (messages, framing of a TCP
 * byte stream, packing of many routes into few UPDATEs), the session state
 * machine with its reconnect backoff, the Adj-RIB-Out, and the session's
 * I/O shell. Other modules import only from here.
 */
export * from './types.js';

export { decodeMessage, encodeMessage } from './codec.js';
export { MessageReader, type ReadResult } from './framing.js';
export { packUpdates, packWithdrawals, type PackInput } from './pack.js';
export { AttributeFlag, AttributeType } from './attributes.js';
export { CapabilityCode } from './capabilities.js';
export { BGP_VERSION, PARAMETER_CAPABILITIES } from './open.js';
export { negotiate, type AddressFamily, type Negotiated as OpenAgreement } from './negotiate.js';

export {
  ReconnectBackoff,
  DEFAULT_RECONNECT_BACKOFF,
  type ReconnectBackoffOptions,
} from './backoff.js';
export {
  SessionMachine,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type Family,
  type Negotiated,
  type SessionAction,
  type SessionSettings,
  type SessionState,
} from './fsm.js';
export { chooseRouterId, nodeNameRouterId, type InterfaceAddresses } from './router-id.js';
export {
  AdjRibOut,
  mergeRoutes,
  type Route as AdjRibOutRoute,
  type RouteChanges,
  type RouteGroup,
} from './adj-rib-out.js';
export { BgpSession, type BgpSessionOptions, type SessionEvents } from './session.js';

/**
 * Public API of the BGP module: the session state machine, reconnect
 * backoff and Adj-RIB-Out (the codec's exports join these).
 */
export * from './types.js';
export {
  ReconnectBackoff,
  DEFAULT_RECONNECT_BACKOFF,
  type ReconnectBackoffOptions,
} from './backoff.js';
export {
  SessionMachine,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPEN_HOLD_MS,
  type Family,
  type Negotiated,
  type SessionAction,
  type SessionSettings,
  type SessionState,
} from './fsm.js';
export {
  AdjRibOut,
  mergeRoutes,
  type Route as AdjRibOutRoute,
  type RouteChanges,
  type RouteGroup,
} from './adj-rib-out.js';

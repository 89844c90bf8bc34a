/**
 * Public API of the BGP wire codec: the message types, encoding and decoding of whole
 * messages, framing of a TCP byte stream, packing of many routes into few UPDATEs, and the
 * negotiation of two OPENs. Pure: no sockets, no timers. Other modules import only from here.
 */

export * from './types.js';

export { decodeMessage, encodeMessage } from './codec.js';
export { MessageReader, type ReadResult } from './framing.js';
export { packUpdates, packWithdrawals, type PackInput } from './pack.js';
export { negotiate, type AddressFamily, type Negotiated } from './negotiate.js';
export { AttributeFlag, AttributeType } from './attributes.js';
export { CapabilityCode } from './capabilities.js';
export { BGP_VERSION, PARAMETER_CAPABILITIES } from './open.js';

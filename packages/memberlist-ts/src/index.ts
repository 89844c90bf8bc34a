/**
 * HashiCorp-memberlist-compatible gossip: the package's public API (README.md
 * lists it, with what it is compatible with).
 */
export * from './types.js';

// Wire codec (pure).
export * from './codec.js';
export {
  DEFAULT_DECODE_LIMITS,
  MsgpackExt,
  MsgpackFloat,
  decodeValue,
  encodeValue,
  type DecodeLimits,
  type Decoded,
  type Encodable,
  type EncodableObject,
} from './msgpack.js';
export { lzwCompress, lzwDecompress } from './lzw.js';

// Encryption and the v0.9 key.
export {
  Keyring,
  decryptPacket,
  decryptStream,
  encryptPacket,
  encryptStream,
  encryptionOverhead,
  v09SecretKey,
  type EncryptionVersion,
  type StreamDecryption,
} from './security.js';

// Addresses as bytes and as text.
export {
  addrToBytes,
  formatAddr,
  formatEndpoint,
  parseEndpoint,
  type Endpoint,
} from './address.js';

// Whole datagrams (framing and encryption together).
export {
  decodeDatagram,
  encodeDatagram,
  type DecodedDatagram,
  type DropReason,
} from './datagram.js';

// The protocol state machine (pure) and its knobs.
export { FAST_TIMINGS, LAN_TIMINGS, type Timings } from './options.js';
export {
  MemberlistState,
  type LogLevel,
  type Member,
  type MemberEvent,
  type StateIO,
  type StateOptions,
} from './state.js';

// One member on real sockets.
export {
  Memberlist,
  type DropCounters,
  type JoinResult,
  type MemberlistOptions,
} from './memberlist.js';

// The same member as a command that prints JSON lines (the package's bin).
export { memberCommand, memberCommandUsage, type CommandIO } from './command.js';

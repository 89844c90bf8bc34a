/**
 * The memberlist wire codec in one place: single messages (messages.ts),
 * UDP payloads with their compound/compress/CRC framing (packet.ts,
 * framing.ts), TCP streams and push/pull (stream.ts, pushpull.ts). All of
 * it is pure: bytes in, plain data out. Decoders throw only `CodecError`
 * (or report drops), encoders throw `RangeError` for values memberlist
 * could not send.
 */
export { CodecError, MsgpackError, type CodecErrorKind } from './errors.js';
export { decodeMessage, encodeMessage, type StructMessage } from './messages.js';
export {
  DEFAULT_PACKET_LIMITS,
  decodePacket,
  encodePacket,
  framePacket,
  type DecodedPacket,
  type PacketLimits,
  type PacketOptions,
} from './packet.js';
export {
  MAX_COMPOUND_PARTS,
  addCrc,
  checkCrc,
  compressMessage,
  decompressAt,
  encodeCompound,
  splitCompound,
  type CompoundParts,
} from './framing.js';
export {
  decodeStreamMessage,
  encodeStreamMessage,
  type StreamDecoding,
  type StreamMessage,
  type StreamOptions,
} from './stream.js';
export { MAX_PUSH_NODES, MAX_STREAM_BYTES } from './pushpull.js';

/**
 * Whole UDP payloads (after decryption): memberlist's `ingestPacket` and
 * `handleCommand` on the way in, `sendMsg` and `rawSendMsgPacket` on the
 * way out.
 */
import { CodecError } from './errors.js';
import {
  addCrc,
  checkCrc,
  compressMessage,
  decompressAt,
  encodeCompound,
  splitCompound,
} from './framing.js';
import { decodeMessage, encodeMessage, typeName } from './messages.js';
import { MessageType, type PacketMessage } from './types.js';

export interface PacketLimits {
  /**
   * Deepest nesting of compress and compound inside each other. memberlist
   * sends at most compress > compound > message; it sets no limit, so a
   * crafted packet could recurse without end.
   */
  readonly maxDepth: number;
  /** Total bytes all compress layers of one packet may inflate to. */
  readonly maxInflated: number;
}

export const DEFAULT_PACKET_LIMITS: PacketLimits = { maxDepth: 8, maxInflated: 1024 * 1024 };

export interface DecodedPacket {
  /** Every message that decoded, in the order memberlist would handle them. */
  readonly messages: PacketMessage[];
  /** How many messages or frames were dropped (a whole packet counts as one). */
  readonly dropped: number;
  /** Why the first drop happened, for a log line. */
  readonly reason?: string;
}

/**
 * Decodes a plaintext UDP payload: checks the CRC at the top level only,
 * then unwraps compress and compound recursively. Never throws for bad
 * input: what does not decode is counted in `dropped`.
 */
export function decodePacket(bytes: Uint8Array, limits: Partial<PacketLimits> = {}): DecodedPacket {
  const { maxDepth, maxInflated } = { ...DEFAULT_PACKET_LIMITS, ...limits };
  const messages: PacketMessage[] = [];
  let dropped = 0;
  let reason: string | undefined;
  let budget = maxInflated;

  const drop = (count: number, why: string): void => {
    dropped += count;
    reason ??= why;
  };

  const handle = (buf: Uint8Array, depth: number): void => {
    const type = buf[0];
    if (type === undefined) return drop(1, 'empty message');
    if (depth > maxDepth) return drop(1, `compress/compound nested deeper than ${maxDepth}`);
    try {
      if (type === MessageType.compound) {
        const { parts, truncated } = splitCompound(buf.subarray(1));
        for (const part of parts) handle(part, depth + 1);
        if (truncated > 0) drop(truncated, `compound: ${truncated} truncated parts`);
      } else if (type === MessageType.compress) {
        const { payload } = decompressAt(buf, 1, budget);
        budget -= payload.length;
        handle(payload, depth + 1);
      } else {
        messages.push(decodeMessage(buf));
      }
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      drop(1, `${typeName(type)}: ${e.message}`);
    }
  };

  if (bytes.length === 0) {
    drop(1, 'empty packet');
  } else if (bytes[0] === MessageType.hasCrc && bytes.length >= 5) {
    // memberlist checks a CRC only at the top; a nested one is an unknown type.
    const inner = checkCrc(bytes);
    if (inner === null) drop(1, 'checksum mismatch');
    else handle(inner, 0);
  } else {
    handle(bytes, 0);
  }
  return reason === undefined ? { messages, dropped } : { messages, dropped, reason };
}

export interface PacketOptions {
  /** Add the CRC header (memberlist does toward peers whose protocol max is >= 5). */
  readonly crc: boolean;
  /** Try LZW; kept only if smaller (memberlist's `EnableCompression`, on by default). */
  readonly compress: boolean;
}

/**
 * Frames messages into one UDP payload as memberlist does: one message as
 * is, several as a compound in the given order, then compress (only if it
 * came out smaller), then the CRC header. Encryption is security.ts's job.
 */
export function encodePacket(
  messages: readonly PacketMessage[],
  options: PacketOptions,
): Uint8Array {
  return framePacket(messages.map(encodeMessage), options);
}

/** `encodePacket` for messages already encoded (the state machine queues gossip as bytes). */
export function framePacket(parts: readonly Uint8Array[], options: PacketOptions): Uint8Array {
  const [only, ...rest] = parts;
  if (only === undefined) throw new RangeError('memberlist: a packet needs a message');
  let out = rest.length === 0 ? only : encodeCompound(parts);
  if (options.compress) {
    const compressed = compressMessage(out);
    if (compressed.length < out.length) out = compressed;
  }
  return options.crc ? addCrc(out) : out;
}

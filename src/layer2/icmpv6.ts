/**
 * ICMPv6 messages (RFC 4443 section 2.1): type, code, checksum, then the message body.
 *
 *   0  type      1 byte
 *   1  code      1 byte
 *   2  checksum  2 bytes  over the IPv6 pseudo-header and the whole message (RFC 4443 2.3)
 *   4  body
 *
 * The checksum is computed on encode and verified on decode; both need the IPv6 source and
 * destination, because they are part of what is summed.
 */
import { icmpv6Checksum } from './checksum.js';
import { copyRange, requireLength, requireUint } from '../bytes/index.js';
import { decoded, dropped, type Decoded } from './result.js';

/** Type, code and checksum. */
export const ICMPV6_HEADER_LENGTH = 4;

/** An ICMPv6 message; the checksum is not kept (decode verified it, encode computes it). */
export interface Icmpv6Message {
  readonly type: number;
  readonly code: number;
  /** Everything after the checksum. */
  readonly body: Uint8Array;
}

/** Why an ICMPv6 message was dropped. */
export type Icmpv6DropReason =
  /** Fewer than 4 bytes. */
  | 'icmpv6-short'
  /** The checksum does not match the pseudo-header and message. */
  | 'icmpv6-checksum';

/** Encodes a message sent from `source` to `destination` (16 bytes each), checksum filled in. */
export function encodeIcmpv6Message(
  message: Icmpv6Message,
  source: Uint8Array,
  destination: Uint8Array,
): Uint8Array {
  requireUint('ICMPv6 type', message.type, 0xff);
  requireUint('ICMPv6 code', message.code, 0xff);
  requireLength('IPv6 source', source, 16);
  requireLength('IPv6 destination', destination, 16);
  const out = new Uint8Array(ICMPV6_HEADER_LENGTH + message.body.length);
  out[0] = message.type;
  out[1] = message.code;
  out.set(message.body, ICMPV6_HEADER_LENGTH);
  // The checksum field is zero while the checksum is computed (RFC 4443 section 2.3).
  const checksum = icmpv6Checksum(source, destination, out);
  out[2] = checksum >> 8;
  out[3] = checksum & 0xff;
  return out;
}

/**
 * Decodes a message that arrived from `source` to `destination`, verifying its checksum.
 * `bytes` is the whole IPv6 payload, exactly Payload Length bytes.
 */
export function decodeIcmpv6Message(
  bytes: Uint8Array,
  source: Uint8Array,
  destination: Uint8Array,
): Decoded<Icmpv6Message, Icmpv6DropReason> {
  if (bytes.length < ICMPV6_HEADER_LENGTH) return dropped('icmpv6-short');
  // Summing the message with its checksum field in place gives zero when it is right.
  if (icmpv6Checksum(source, destination, bytes) !== 0) return dropped('icmpv6-checksum');
  return decoded({
    type: bytes[0] ?? 0,
    code: bytes[1] ?? 0,
    body: copyRange(bytes, ICMPV6_HEADER_LENGTH, bytes.length),
  });
}

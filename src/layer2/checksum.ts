/**
 * The Internet checksum (RFC 1071) and the ICMPv6 checksum over the IPv6 pseudo-header
 * (RFC 4443 section 2.3, pseudo-header of RFC 8200 section 8.1).
 */

/** IPv6 Next Header value of ICMPv6. */
export const NEXT_HEADER_ICMPV6 = 58;

/**
 * Adds `bytes` as big-endian 16-bit words to a running one's complement sum (kept unfolded;
 * an odd trailing byte is padded with a zero byte, RFC 1071 section 4.1).
 */
function addWords(sum: number, bytes: Uint8Array): number {
  let total = sum;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) total += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  if (even !== bytes.length) total += (bytes[even] ?? 0) << 8;
  // Fold now and then so the number stays an exact integer however long the input.
  return total > 0x7fffffff ? (total & 0xffff) + Math.floor(total / 0x10000) : total;
}

/** Folds the carries back in and complements: the 16-bit checksum field value. */
function finish(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded & 0xffff) + Math.floor(folded / 0x10000);
  return ~folded & 0xffff;
}

/** RFC 1071 checksum of the concatenation of `parts`. */
export function internetChecksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  for (const [index, part] of parts.entries()) {
    // Each part must start on a 16-bit boundary for the word sum to be the checksum of the whole.
    if (part.length % 2 !== 0 && index !== parts.length - 1) {
      throw new RangeError('only the last part may have an odd length');
    }
    sum = addWords(sum, part);
  }
  return finish(sum);
}

/**
 * ICMPv6 checksum of `message` (the ICMPv6 header and body) sent from `source` to
 * `destination`: the Internet checksum over the pseudo-header (source, destination,
 * upper-layer packet length as 32 bits, three zero bytes, Next Header 58) followed by the
 * message.
 *
 * Computing over a message whose checksum field is zero gives the value to put in it; computing
 * over a received message, checksum field included, gives 0 when the checksum is right.
 */
export function icmpv6Checksum(
  source: Uint8Array,
  destination: Uint8Array,
  message: Uint8Array,
): number {
  const lengthAndNext = new Uint8Array(8);
  new DataView(lengthAndNext.buffer).setUint32(0, message.length);
  lengthAndNext[7] = NEXT_HEADER_ICMPV6;
  return internetChecksum([source, destination, lengthAndNext, message]);
}

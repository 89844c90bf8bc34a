/**
 * IP addresses at the edges of the layer 2 codecs.
 *
 * Inside the codecs an address is what is on the wire: a 4-byte (IPv4) or 16-byte (IPv6)
 * Uint8Array. Callers hold text ('203.0.113.5', '2001:db8::5') or a parsed IPAddress; these
 * functions convert text with the project's IP module (its `ipToBytes`/`ipFromBytes` do the
 * bytes), so text is parsed one way everywhere and formatted canonically (dotted decimal,
 * RFC 5952).
 */
import { formatIP, ipFromBytes, ipToBytes, parseIP } from '../ip/index.js';
import type { Family } from '../ip/index.js';

/** An address as bytes, tagged with its family. */
export interface AddressBytes {
  readonly family: Family;
  /** 4 bytes for IPv4, 16 for IPv6, network byte order. */
  readonly bytes: Uint8Array;
}

/** Parses IPv4 or IPv6 text to bytes. Returns null when the text is not an address. */
export function parseAddressBytes(text: string): AddressBytes | null {
  const parsed = parseIP(text);
  if (!parsed.ok) return null;
  return { family: parsed.value.family, bytes: ipToBytes(parsed.value) };
}

/** IPv4 text to 4 bytes. Throws a RangeError for anything but IPv4 text. */
export function ipv4Bytes(text: string): Uint8Array {
  return bytesOfFamily(text, 4);
}

/** IPv6 text to 16 bytes. Throws a RangeError for anything but IPv6 text. */
export function ipv6Bytes(text: string): Uint8Array {
  return bytesOfFamily(text, 6);
}

function bytesOfFamily(text: string, family: Family): Uint8Array {
  const parsed = parseAddressBytes(text);
  if (parsed === null || parsed.family !== family) {
    throw new RangeError(`${JSON.stringify(text)} is not an IPv${family} address`);
  }
  return parsed.bytes;
}

/**
 * Canonical text of a 4- or 16-byte address. Throws a RangeError for any other length
 * (decoders only hand over addresses whose length they checked).
 */
export function formatAddressBytes(bytes: Uint8Array): string {
  if (bytes.length !== 4 && bytes.length !== 16) {
    throw new RangeError(`an IP address is 4 or 16 bytes, got ${bytes.length}`);
  }
  return formatIP(ipFromBytes(bytes, bytes.length === 4 ? 4 : 6));
}

/** The canonical text of an address given as text, or null when it is not an address. */
export function canonicalAddress(text: string): string | null {
  const parsed = parseAddressBytes(text);
  return parsed === null ? null : formatAddressBytes(parsed.bytes);
}

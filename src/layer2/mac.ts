/**
 * Ethernet (IEEE 802 MAC-48) addresses: 6 bytes, as Uint8Array.
 */
import { bytesEqual } from '../bytes/index.js';

/** Length of an Ethernet hardware address in bytes. */
export const MAC_LENGTH = 6;

/** ff:ff:ff:ff:ff:ff, every station on the segment. Shared: never modify it. */
export const BROADCAST_MAC: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/**
 * Parses `aa:bb:cc:dd:ee:ff` (or with `-` separators; either case). Returns null for anything
 * else, including the 8- and 20-byte forms Go's net.ParseMAC also accepts, which Ethernet never
 * uses.
 */
export function parseMac(text: string): Uint8Array | null {
  const match = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})(?:\2([0-9a-fA-F]{2})){4}$/.exec(text);
  if (match === null) return null;
  const parts = text.split(match[2] ?? ':');
  return Uint8Array.from(parts, (part) => Number.parseInt(part, 16));
}

/** Formats as lower-case `aa:bb:cc:dd:ee:ff` (any length; each byte two hex digits). */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** True for a 6-byte address that a station can own: not all zeros, not group (multicast). */
export function isUnicastMac(mac: Uint8Array): boolean {
  if (mac.length !== MAC_LENGTH) return false;
  // IEEE 802-2014 section 8.2: the least significant bit of the first octet marks a group address.
  if (((mac[0] ?? 0) & 0x01) !== 0) return false;
  return mac.some((byte) => byte !== 0);
}

/** True when both are the same hardware address. */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqual(a, b);
}

/**
 * Addresses as the bytes on the wire: 4 for IPv4, 16 for IPv6, network byte order (RFC 791
 * section 3.1, RFC 8200 section 3). Every codec (ARP, NDP, BGP) converts through here.
 */
import type { Family, IPAddress } from './address.js';
import { assertValue } from './address.js';

/** The number of bytes of an address of the family: 4 for IPv4, 16 for IPv6. */
export function byteLength(family: Family): 4 | 16 {
  return family === 4 ? 4 : 16;
}

/** The address as 4 or 16 bytes. Throws a RangeError for a value outside its family. */
export function ipToBytes(address: IPAddress): Uint8Array {
  assertValue(address.family, address.value);
  const bytes = new Uint8Array(byteLength(address.family));
  let rest = address.value;
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/**
 * The address of the family in the 4 or 16 bytes at `offset`. The caller has checked that
 * they are there (decoders check lengths before they read).
 */
export function ipFromBytes(bytes: Uint8Array, family: Family, offset = 0): IPAddress {
  let value = 0n;
  for (let i = 0; i < byteLength(family); i++)
    value = (value << 8n) | BigInt(bytes[offset + i] ?? 0);
  return { family, value };
}

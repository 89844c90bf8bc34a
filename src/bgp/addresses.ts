/** IPv4 and IPv6 addresses as the 4 and 16 bytes on the wire (network order). */
import type { Family, IPAddress } from '../ip/index.js';
import type { ByteWriter } from './bytes.js';

/** Writes an address as 4 or 16 bytes. Throws a RangeError for a value outside its family. */
export function writeAddress(writer: ByteWriter, address: IPAddress): void {
  const bytes = address.family === 4 ? 4 : 16;
  const max = (1n << BigInt(bytes * 8)) - 1n;
  if (address.value < 0n || address.value > max) {
    throw new RangeError(`${address.value} is not an IPv${address.family} address value`);
  }
  for (let i = bytes - 1; i >= 0; i--) writer.u8(Number((address.value >> BigInt(8 * i)) & 0xffn));
}

/** Reads a 4- or 16-byte address at `offset`; the caller has checked the length. */
export function readAddress(bytes: Uint8Array, offset: number, family: Family): IPAddress {
  const count = family === 4 ? 4 : 16;
  let value = 0n;
  for (let i = 0; i < count; i++) value = (value << 8n) | BigInt(bytes[offset + i] ?? 0);
  return { family, value };
}

/**
 * Prefixes as NLRI, Withdrawn Routes and the NLRI fields of MP_REACH/MP_UNREACH carry them
 * (RFC 4271 section 4.3, RFC 4760 section 5):
 *
 *   Length   1 byte            prefix length in bits, 0..32 (IPv4) or 0..128 (IPv6)
 *   Prefix   ceil(Length/8)    the leading bytes of the address; trailing bits are irrelevant
 */
import { makeCidr, type Cidr, type Family } from '../ip/index.js';
import type { ByteWriter } from '../bytes/index.js';

/** Bytes one prefix takes on the wire. */
export function prefixSize(prefix: Cidr): number {
  return 1 + Math.ceil(prefix.prefixLength / 8);
}

/** Writes one prefix. Throws a RangeError for a prefix of another family or a bad length. */
export function writePrefix(writer: ByteWriter, family: Family, prefix: Cidr): void {
  if (prefix.family !== family) {
    throw new RangeError(`an IPv${prefix.family} prefix where IPv${family} is expected`);
  }
  // makeCidr checks the length and clears host bits, which RFC 4271 says carry no meaning.
  const clean = makeCidr(family, prefix.base, prefix.prefixLength);
  const bits = family === 4 ? 32 : 128;
  writer.u8(clean.prefixLength);
  const count = Math.ceil(clean.prefixLength / 8);
  for (let i = 1; i <= count; i++) {
    writer.u8(Number((clean.base >> BigInt(bits - 8 * i)) & 0xffn));
  }
}

/** Writes every prefix. */
export function writePrefixes(writer: ByteWriter, family: Family, prefixes: readonly Cidr[]): void {
  for (const prefix of prefixes) writePrefix(writer, family, prefix);
}

/** The prefixes in `bytes`, or why they cannot be read: a length beyond the family, or an overrun. */
export function readPrefixes(
  bytes: Uint8Array,
  family: Family,
):
  | { readonly ok: true; readonly prefixes: Cidr[] }
  | { readonly ok: false; readonly reason: string } {
  const bits = family === 4 ? 32 : 128;
  const prefixes: Cidr[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const length = bytes[offset] ?? 0;
    if (length > bits) {
      return { ok: false, reason: `prefix length ${length} exceeds ${bits} for IPv${family}` };
    }
    const count = Math.ceil(length / 8);
    if (offset + 1 + count > bytes.length) {
      return { ok: false, reason: `a /${length} prefix overruns its field` };
    }
    let value = 0n;
    for (let i = 0; i < count; i++) value = (value << 8n) | BigInt(bytes[offset + 1 + i] ?? 0);
    value <<= BigInt(bits - 8 * count);
    prefixes.push(makeCidr(family, value, length));
    offset += 1 + count;
  }
  return { ok: true, prefixes };
}

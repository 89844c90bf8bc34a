/**
 * CIDR prefixes (RFC 4632 section 3.1 for IPv4, RFC 4291 section 2.3 for IPv6):
 * parsing, formatting, membership and overlap, all on bigint.
 */

import type { Family, IPAddress, Parsed } from './address.js';
import { assertValue, bitLength, formatIP, parseIPText, quote } from './address.js';
import type { IPRange } from './range.js';

/** A CIDR prefix; `base` has all host bits zero. */
export interface Cidr {
  readonly family: Family;
  readonly base: bigint;
  readonly prefixLength: number;
}

/** Number of host bits of the prefix, as a bigint shift amount. */
function hostBits(c: Cidr): bigint {
  return BigInt(bitLength(c.family) - c.prefixLength);
}

/**
 * Builds a prefix from any address value of the family, clearing the host bits.
 * Throws a RangeError if the prefix length is not an integer in 0..32 (IPv4) or 0..128 (IPv6),
 * or if the value is outside the family's address space.
 */
export function makeCidr(family: Family, value: bigint, prefixLength: number): Cidr {
  const bits = bitLength(family);
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits) {
    throw new RangeError(`prefix length ${prefixLength} is not in 0..${bits} for IPv${family}`);
  }
  assertValue(family, value);
  const host = BigInt(bits - prefixLength);
  return { family, base: (value >> host) << host, prefixLength };
}

/**
 * Parses "ADDR/LEN". Never throws. Host bits may be set, as with Go's net.ParseCIDR (which
 * MetalLB v0.9 used): `address` is the address as written and `cidr` has the host bits cleared.
 */
export function parseCidr(text: string): Parsed<{ cidr: Cidr; address: IPAddress }> {
  const fail = (reason: string): Parsed<{ cidr: Cidr; address: IPAddress }> => ({
    ok: false,
    error: `${quote(text)} is not a CIDR: ${reason}`,
  });
  const slash = text.indexOf('/');
  if (slash === -1) return fail('missing "/" and prefix length');
  if (text.includes('/', slash + 1)) return fail('more than one "/"');

  const address = parseIPText(text.slice(0, slash));
  if (!address.ok) return fail(address.error);

  const lengthText = text.slice(slash + 1);
  if (lengthText === '') return fail('empty prefix length');
  if (!/^[0-9]+$/.test(lengthText)) {
    return fail(`prefix length ${quote(lengthText)} is not a decimal number`);
  }
  if (lengthText.length > 1 && lengthText.startsWith('0')) {
    return fail(`prefix length ${quote(lengthText)} has leading zeros`);
  }
  const { family, value } = address.value;
  const bits = bitLength(family);
  // Length 4+ digits is always too large; checking it first keeps Number() exact.
  if (lengthText.length > 3 || Number(lengthText) > bits) {
    return fail(`prefix length ${lengthText} is greater than ${bits} for IPv${family}`);
  }
  return {
    ok: true,
    value: { cidr: makeCidr(family, value, Number(lengthText)), address: address.value },
  };
}

/** Formats a prefix as "base/length", e.g. "198.51.100.0/24" or "2001:db8::/32". */
export function formatCidr(c: Cidr): string {
  return `${formatIP({ family: c.family, value: c.base })}/${c.prefixLength}`;
}

/** The first (lowest) address of the prefix. */
export function cidrFirst(c: Cidr): IPAddress {
  return { family: c.family, value: c.base };
}

/** The last (highest) address of the prefix. */
export function cidrLast(c: Cidr): IPAddress {
  return { family: c.family, value: c.base + cidrSize(c) - 1n };
}

/** Number of addresses in the prefix: 2^(bits - prefixLength). */
export function cidrSize(c: Cidr): bigint {
  return 1n << hostBits(c);
}

/** True when the address lies in the prefix; always false across families. */
export function cidrContains(c: Cidr, ip: IPAddress): boolean {
  return ip.family === c.family && ip.value >= c.base && ip.value <= cidrLast(c).value;
}

/** True when the prefixes share at least one address; always false across families. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= cidrLast(b).value && b.base <= cidrLast(a).value;
}

/** The n-th address of the prefix, counting from 0. Throws a RangeError when n < 0 or n >= size. */
export function nthAddress(c: Cidr, n: bigint): IPAddress {
  const size = cidrSize(c);
  if (n < 0n || n >= size) {
    throw new RangeError(`index ${n} is outside ${formatCidr(c)} (size ${size})`);
  }
  return { family: c.family, value: c.base + n };
}

/** The inclusive address range the prefix covers. */
export function cidrToRange(c: Cidr): IPRange {
  return { family: c.family, first: c.base, last: cidrLast(c).value };
}

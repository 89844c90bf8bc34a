/**
 * Addresses and prefixes read as v0.9 read them, in its config and in a
 * Service's fields alike: with the net.ParseIP and net.ParseCIDR of Go
 * 1.13, which built v0.9.6 (its .circleci/config.yml: cimg/go:1.13). The
 * API server reads Service addresses with the same pre-1.17 rules
 * (k8s.io/utils/net ParseIPSloppy), so a Service can carry such text.
 * Three things differ from the strict parseIP/parseCidr, which other
 * callers keep:
 * - Go 1.13's dtoi read an IPv4 part or a prefix length with leading zeros
 *   as decimal (`010` is 10; Go 1.17 began to refuse them);
 * - its xtoi read an IPv6 group of more than four hex digits when the value
 *   fits 16 bits (`00001`);
 * - net.IP holds an IPv4 address as IPv4-mapped IPv6, so `::ffff:10.0.0.1`
 *   IS 10.0.0.1 (unmapIPv4), and a mapped prefix of length 96 or more is the
 *   IPv4 prefix 96 bits shorter (net.IPNet.Contains masks To4() with the
 *   mask's last 4 bytes).
 * Each of these comes back with a note that says what the text was read as.
 */
import {
  formatIP,
  isIPv4Mapped,
  parseIP,
  unmapIPv4,
  type IPAddress,
  type Parsed,
} from './address.js';
import { formatCidr, makeCidr, parseCidr, type Cidr } from './cidr.js';

/** A value and what the reading made of text that is probably not meant so. */
export interface GoReading<T> {
  readonly value: T;
  /** Empty when the text was read as written. */
  readonly notes: readonly string[];
}

/** Bits of an IPv4-mapped IPv6 address before its IPv4 part (RFC 4291 section 2.5.5.2). */
const MAPPED_PREFIX_BITS = 96;

/** An address as v0.9's net.ParseIP read it (Go 1.13). */
export function readGoIP(text: string): Parsed<GoReading<IPAddress>> {
  const plain = withoutGoLeadingZeros(text);
  const parsed = parseIP(plain);
  // Leading zeros are read, so what is left to refuse is what Go refused too.
  if (!parsed.ok) return parsed;
  const notes: string[] = [];
  if (plain !== text) notes.push(leadingZerosNote(text, formatIP(parsed.value)));
  const ip = unmapIPv4(parsed.value);
  if (isIPv4Mapped(parsed.value)) {
    notes.push(
      `${text} is an IPv4-mapped IPv6 address: v0.9 (Go's net package) reads it as the IPv4 address ${formatIP(ip)}`,
    );
  }
  return { ok: true, value: { value: ip, notes } };
}

/** A prefix as v0.9's net.ParseCIDR read it (Go 1.13), host bits masked away. */
export function readGoCidr(text: string): Parsed<GoReading<Cidr>> {
  const slash = text.indexOf('/');
  const plain =
    slash === -1
      ? text
      : `${withoutGoLeadingZeros(text.slice(0, slash))}/${withoutZeros(text.slice(slash + 1))}`;
  const parsed = parseCidr(plain);
  if (!parsed.ok) return parsed;
  const notes: string[] = [];
  let cidr = parsed.value.cidr;
  if (plain !== text) notes.push(leadingZerosNote(text, formatCidr(cidr)));
  // Masking keeps the ::ffff: part only for a length of 96 or more; shorter is an IPv6 prefix.
  if (isIPv4Mapped({ family: cidr.family, value: cidr.base })) {
    const base = unmapIPv4({ family: 6, value: cidr.base });
    cidr = makeCidr(4, base.value, cidr.prefixLength - MAPPED_PREFIX_BITS);
    notes.push(
      `${text} is an IPv4-mapped IPv6 prefix: v0.9 (Go's net package) reads it as ${formatCidr(cidr)}`,
    );
  }
  return { ok: true, value: { value: cidr, notes } };
}

function leadingZerosNote(text: string, readAs: string): string {
  return `${text} has numbers with leading zeros: v0.9 (built with Go 1.13) read them as decimal, ${readAs}`;
}

/** Decimal digits: Go's dtoi read `007` as 7. */
const ZERO_PADDED_DECIMAL = /^0+(?=\d)/;
/** An IPv6 group of more than four hex digits: Go's xtoi read `0000f` as f. */
const LONG_HEX_GROUP = /^[0-9a-fA-F]{5,}$/;

function withoutZeros(decimal: string): string {
  return /^\d+$/.test(decimal) ? decimal.replace(ZERO_PADDED_DECIMAL, '') : decimal;
}

/**
 * The text with the leading zeros Go 1.13 ignored taken out, so the strict
 * parser reads the value Go read; text Go refused stays as it is and is
 * refused by the strict parser too.
 */
function withoutGoLeadingZeros(text: string): string {
  const dotted = (part: string): string => part.split('.').map(withoutZeros).join('.');
  if (!text.includes(':')) return dotted(text);
  return text
    .split(':')
    .map((group) =>
      group.includes('.')
        ? dotted(group)
        : LONG_HEX_GROUP.test(group)
          ? group.replace(/^0+(?=.)/, '')
          : group,
    )
    .join(':');
}

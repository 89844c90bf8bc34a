/**
 * IP addresses as (family, unsigned bigint) pairs: parsing, formatting and ordering.
 *
 * Accepted text follows RFC 4291 section 2.2 (IPv6) and strict dotted decimal (IPv4);
 * output follows RFC 5952 (IPv6 canonical text).
 */

/** Address family: 4 for IPv4, 6 for IPv6. */
export type Family = 4 | 6;

/** An IPv4 or IPv6 address; `value` is the address as an unsigned integer, 0..maxValue(family). */
export interface IPAddress {
  readonly family: Family;
  readonly value: bigint;
}

/** Result of parsing text: the value, or a short message saying what is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const MAX_V4 = (1n << 32n) - 1n;
const MAX_V6 = (1n << 128n) - 1n;

/** Number of bits in an address of the family: 32 for IPv4, 128 for IPv6. */
export function bitLength(family: Family): 32 | 128 {
  if (family === 4) return 32;
  if (family === 6) return 128;
  throw new RangeError(`unknown address family ${String(family)}`);
}

/** Largest address value of the family: 2^32-1 for IPv4, 2^128-1 for IPv6. */
export function maxValue(family: Family): bigint {
  return bitLength(family) === 32 ? MAX_V4 : MAX_V6;
}

/** @internal True when `value` is a valid address value for the family. */
export function isValidValue(family: Family, value: bigint): boolean {
  return value >= 0n && value <= maxValue(family);
}

/** @internal Throws a RangeError unless `value` is a valid address value for the family. */
export function assertValue(family: Family, value: bigint): void {
  if (!isValidValue(family, value)) {
    throw new RangeError(`${value} is not an IPv${family} address value (0..${maxValue(family)})`);
  }
}

/** @internal Quotes user text for an error message, shortening very long text. */
export function quote(text: string): string {
  const limit = 64;
  return JSON.stringify(text.length > limit ? `${text.slice(0, limit)}...` : text);
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(error: string): Parsed<T> {
  return { ok: false, error };
}

/**
 * Parses an IPv4 or IPv6 address. Never throws.
 *
 * IPv4 is strict dotted decimal (four parts 0..255, no leading zeros). IPv6 accepts every
 * RFC 4291 section 2.2 text form. Zone indexes, prefix lengths and whitespace are rejected.
 */
export function parseIP(text: string): Parsed<IPAddress> {
  const parsed = parseIPText(text);
  if (parsed.ok) return parsed;
  return fail(`${quote(text)} is not an IP address: ${parsed.error}`);
}

/**
 * @internal Like parseIP, but the error is only the reason (without the quoted input),
 * so callers such as parseCidr can put it in their own message.
 */
export function parseIPText(text: string): Parsed<IPAddress> {
  if (text === '') return fail('empty string');
  if (/\s/.test(text)) return fail('whitespace is not allowed');
  const percent = text.indexOf('%');
  if (percent !== -1) {
    return fail(`zone index ${quote(text.slice(percent))} is not allowed`);
  }
  if (text.includes('/')) return fail('a prefix length is not allowed here');
  if (text.includes(':')) {
    const v6 = parseV6(text);
    return v6.ok ? ok({ family: 6, value: v6.value }) : v6;
  }
  if (!text.includes('.')) {
    return fail('expected IPv4 (a.b.c.d) or IPv6 (x:x::x) text');
  }
  const v4 = parseV4(text);
  return v4.ok ? ok({ family: 4, value: v4.value }) : v4;
}

/**
 * Strict dotted decimal: exactly four parts, each 0..255, digits only, no leading zeros.
 * The value is summed as a number (32 bits fit one exactly) and made a bigint once: a
 * controller start parses every Service's addresses (bench/restart).
 */
function parseV4(text: string): Parsed<bigint> {
  const parts = text.split('.');
  if (parts.length !== 4) return fail('IPv4 needs four parts');
  let value = 0;
  for (const part of parts) {
    if (part === '') return fail('IPv4 has an empty part');
    if (!isDecimal(part)) return fail(`IPv4 part ${quote(part)} is not a decimal number`);
    // inet_aton(3) reads "010" as octal 8, most other parsers as decimal 10: refuse to guess.
    if (part.length > 1 && part.startsWith('0')) {
      return fail(
        `IPv4 part ${quote(part)} has leading zeros, which are ambiguous (octal or decimal)`,
      );
    }
    if (part.length > 3 || Number(part) > 255) {
      return fail(`IPv4 part ${quote(part)} is greater than 255`);
    }
    value = value * 256 + Number(part);
  }
  return ok(BigInt(value));
}

/** Only the digits 0-9, at least one. */
function isDecimal(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * IPv6 text forms of RFC 4291 section 2.2: eight groups of 1-4 hex digits (form 1), at most
 * one "::" standing for one or more zero groups (form 2), and a dotted IPv4 address in the
 * last 32 bits (form 3).
 */
function parseV6(text: string): Parsed<bigint> {
  if (text.includes(':::')) return fail('":::" is not allowed');
  const compression = text.indexOf('::');
  if (compression !== -1 && text.includes('::', compression + 2)) {
    return fail('"::" may appear only once');
  }
  if (text.startsWith(':') && compression !== 0) return fail('starts with a single colon');
  if (text.endsWith(':') && compression !== text.length - 2) {
    return fail('ends with a single colon');
  }

  if (compression === -1) {
    const words = parseGroups(text.split(':'), true);
    if (!words.ok) return words;
    if (words.value.length > 8) return fail('more than 8 groups');
    if (words.value.length < 8) return fail('fewer than 8 groups and no "::"');
    return ok(joinWords(words.value));
  }

  const headText = text.slice(0, compression);
  const tailText = text.slice(compression + 2);
  // An embedded IPv4 address must end the text, so it can only be in the part after "::".
  const head = parseGroups(headText === '' ? [] : headText.split(':'), false);
  if (!head.ok) return head;
  const tail = parseGroups(tailText === '' ? [] : tailText.split(':'), true);
  if (!tail.ok) return tail;
  const explicit = head.value.length + tail.value.length;
  if (explicit > 8) return fail('more than 8 groups');
  // RFC 4291 section 2.2: "::" indicates one or more groups of zeros, so 8 groups leave no room.
  if (explicit === 8) return fail('8 groups plus "::" is too many');
  const zeros = new Array<number>(8 - explicit).fill(0);
  return ok(joinWords([...head.value, ...zeros, ...tail.value]));
}

/** Converts colon-separated groups to 16-bit words; the last may be a dotted IPv4 address. */
function parseGroups(groups: string[], dottedLastAllowed: boolean): Parsed<number[]> {
  const words: number[] = [];
  for (const [index, group] of groups.entries()) {
    if (group === '') return fail('empty group');
    if (group.includes('.')) {
      if (!dottedLastAllowed || index !== groups.length - 1) {
        return fail('an embedded IPv4 address is only allowed in the last 32 bits');
      }
      const v4 = parseV4(group);
      if (!v4.ok) return fail(`embedded IPv4 ${quote(group)}: ${v4.error}`);
      words.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]+$/.test(group)) return fail(`group ${quote(group)} is not hexadecimal`);
    if (group.length > 4) return fail(`group ${quote(group)} has more than four hex digits`);
    words.push(Number.parseInt(group, 16));
  }
  return ok(words);
}

function joinWords(words: readonly number[]): bigint {
  let value = 0n;
  for (const word of words) value = (value << 16n) | BigInt(word);
  return value;
}

/** ::ffff:0:0/96, where RFC 4291 section 2.5.5.2 puts IPv4-mapped IPv6 addresses. */
const IPV4_MAPPED_PREFIX = 0xffffn << 32n;

/** Whether an IPv6 address is IPv4-mapped (`::ffff:a.b.c.d`). */
export function isIPv4Mapped(ip: IPAddress): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/**
 * The address as Go's net package holds it: an IPv4-mapped IPv6 address is
 * the IPv4 address itself (net.IP keeps every IPv4 address in that 16-byte
 * form, so net.ParseIP("::ffff:10.0.0.1") equals net.ParseIP("10.0.0.1") and
 * its To4() is not nil). v0.9 read config, Service and status addresses so.
 */
export function unmapIPv4(ip: IPAddress): IPAddress {
  return isIPv4Mapped(ip) ? { family: 4, value: ip.value - IPV4_MAPPED_PREFIX } : ip;
}

/**
 * Formats an address: dotted decimal for IPv4, RFC 5952 canonical text for IPv6.
 * Throws a RangeError if the value is outside the family's address space.
 */
export function formatIP(ip: IPAddress): string {
  assertValue(ip.family, ip.value);
  return ip.family === 4 ? formatV4(ip.value) : formatV6(ip.value);
}

function formatV4(value: bigint): string {
  // 32 bits fit a number exactly; `>>>` reads it as unsigned.
  const n = Number(value);
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function formatV6(value: bigint): string {
  // RFC 5952 section 5: IPv4-mapped addresses (::ffff:0:0/96) end in dotted decimal.
  if (value >> 32n === 0xffffn) return `::ffff:${formatV4(value & MAX_V4)}`;

  const words: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) words.push(Number((value >> shift) & 0xffffn));

  // RFC 5952 section 4.2: "::" replaces the longest run of two or more zero groups
  // (4.2.1, 4.2.2), the first one when runs tie (4.2.3).
  let bestStart = -1;
  let bestLength = 1;
  let runStart = 0;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && words[i] === 0) continue;
    const runLength = i - runStart;
    if (runLength > bestLength) {
      bestStart = runStart;
      bestLength = runLength;
    }
    runStart = i + 1;
  }

  // RFC 5952 sections 4.1 and 4.3: no leading zeros, lower case hex digits.
  const hex = (part: readonly number[]): string => part.map((w) => w.toString(16)).join(':');
  if (bestStart === -1) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** Orders addresses: every IPv4 address before every IPv6 address, then by value. Returns -1, 0 or 1. */
export function compareIP(a: IPAddress, b: IPAddress): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  if (a.value === b.value) return 0;
  return a.value < b.value ? -1 : 1;
}

/** True when both addresses have the same family and value. */
export function ipEquals(a: IPAddress, b: IPAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

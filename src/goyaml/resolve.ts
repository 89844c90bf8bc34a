/**
 * What go-yaml v2 (v2.4.0, the version MetalLB v0.9.6 pins) makes of a
 * scalar: resolve.go's implicit typing of plain scalars, and decode.go's
 * rules for putting the result into a Go field of a given kind.
 *
 * Integers are read with Go's strconv.ParseInt(text, 0, 64) after every `_`
 * is removed: `0x40`, `0o100`, `0b1`, `0100` (octal) and `64_501` are
 * numbers; base-60 forms (`1:0`) are not, although YAML 1.1 has them.
 * v0.9.6 was built with Go 1.13 (its CI image cimg/go:1.13), whose ParseInt
 * knows the 0o and 0b prefixes.
 */

/** A scalar as go-yaml resolves it. */
export type Resolved =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** An int64, or a uint64 above the int64 range (ParseUint's result). */
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'str' };

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const NULL = ['', '~', 'null', 'Null', 'NULL'];
const NAN = ['.nan', '.NaN', '.NAN'];
const INFINITY = ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'];
const MINUS_INFINITY = ['-.inf', '-.Inf', '-.INF'];

/** resolve.go's resolveMap: the texts resolved by lookup. */
const BY_TEXT = new Map<string, Resolved>([
  ...TRUE.map((text): [string, Resolved] => [text, { kind: 'bool', value: true }]),
  ...FALSE.map((text): [string, Resolved] => [text, { kind: 'bool', value: false }]),
  ...NULL.map((text): [string, Resolved] => [text, { kind: 'null' }]),
  ...NAN.map((text): [string, Resolved] => [text, { kind: 'float', value: NaN }]),
  ...INFINITY.map((text): [string, Resolved] => [text, { kind: 'float', value: Infinity }]),
  ...MINUS_INFINITY.map((text): [string, Resolved] => [text, { kind: 'float', value: -Infinity }]),
]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** yaml.v2's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** A plain (unquoted, untagged) scalar's text as go-yaml's resolve() types it. */
export function resolvePlain(text: string): Resolved {
  // resolveTable: only a text starting with one of these (or empty) is looked up or read as a number.
  const first = text.charAt(0);
  if (text !== '' && !/[-+0-9.yYnNtTfFoO~]/.test(first)) return { kind: 'str' };
  const known = BY_TEXT.get(text);
  if (known !== undefined) return known;
  if (first === '.') {
    const float = goParseFloat(text);
    return float === null ? { kind: 'str' } : { kind: 'float', value: float };
  }
  if (!/[-+0-9]/.test(first)) return { kind: 'str' };
  // A timestamp (2001-12-14) is tried first; no timestamp is also a number, so it stays text here.
  const plain = text.replaceAll('_', '');
  const int = goParseInt(plain);
  if (int !== null) return { kind: 'int', value: int };
  const uint = goParseUint(plain);
  if (uint !== null) return { kind: 'int', value: uint };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const float = goParseFloat(plain);
    if (float !== null) return { kind: 'float', value: float };
  }
  // resolve.go tries `0b` again by hand, which base 0 already read (Go 1.13 and later).
  return { kind: 'str' };
}

/** Go's digits after a base-0 prefix: `0x`, `0o`, `0b`, a leading 0 (octal), or decimal. */
function baseZeroDigits(text: string): bigint | null {
  const match = /^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (match === null) return null;
  const lower = text.toLowerCase();
  if (lower.startsWith('0x') || lower.startsWith('0b')) return BigInt(lower);
  if (lower.startsWith('0o')) return BigInt(`0o${lower.slice(2)}`);
  if (text.length > 1 && text.startsWith('0')) return BigInt(`0o${text.slice(1)}`);
  return BigInt(text);
}

/** strconv.ParseInt(text, 0, 64), or null where it fails. */
function goParseInt(text: string): bigint | null {
  const sign = text.startsWith('-') ? -1n : 1n;
  const digits = baseZeroDigits(
    text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text,
  );
  if (digits === null) return null;
  const value = sign * digits;
  return value >= INT64_MIN && value <= INT64_MAX ? value : null;
}

/** strconv.ParseUint(text, 0, 64): no sign. */
function goParseUint(text: string): bigint | null {
  const value = baseZeroDigits(text);
  return value !== null && value <= UINT64_MAX ? value : null;
}

/**
 * strconv.ParseFloat(text, 64) for the texts go-yaml hands it (decimal, or
 * starting with `.`); a value out of range fails, as Go's ErrRange does.
 */
function goParseFloat(text: string): number | null {
  if (!YAML_STYLE_FLOAT.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** The integer kinds of the Go fields a config decodes into. */
export type GoIntKind = 'int' | 'uint16' | 'uint32';

const UPPER: Readonly<Record<GoIntKind, bigint>> = {
  int: INT64_MAX,
  uint16: 65535n,
  uint32: 4294967295n,
};

/** A resolved scalar put into a Go integer field: the value, or null where go-yaml fails. */
export type GoInt =
  | { readonly ok: true; readonly value: number; readonly truncated: boolean }
  | { readonly ok: false };

/**
 * decode.go's scalar() for an integer field: an int must fit the field; a
 * float (`24.9`) is converted as Go converts it, which truncates toward
 * zero, when it is at most the int64 (or uint64) maximum and the result
 * fits. Go's conversion of a float out of int64's range on amd64 gives
 * int64's minimum, and a negative float into an unsigned field passes
 * through int64, so only (-1, 0] gives 0 there.
 */
export function decodeGoInt(resolved: Resolved, kind: GoIntKind): GoInt {
  const fits = (value: bigint): boolean =>
    value <= UPPER[kind] && (kind === 'int' ? value >= INT64_MIN : value >= 0n);
  if (resolved.kind === 'int') {
    return fits(resolved.value)
      ? { ok: true, value: Number(resolved.value), truncated: false }
      : { ok: false };
  }
  if (resolved.kind !== 'float') return { ok: false };
  const float = resolved.value;
  if (kind === 'int') {
    if (!(float <= 2 ** 63)) return { ok: false };
    const value = float < -(2 ** 63) || float === 2 ** 63 ? INT64_MIN : BigInt(Math.trunc(float));
    return { ok: true, value: Number(value), truncated: Number(value) !== float };
  }
  if (!(float <= 2 ** 64)) return { ok: false };
  const whole = Math.trunc(float);
  if (whole < 0 || !fits(BigInt(whole))) return { ok: false };
  // Math.trunc(-0.5) is -0: the field holds 0.
  return { ok: true, value: whole + 0, truncated: whole !== float };
}

/**
 * Go's base64.StdEncoding.DecodeString, which decode.go uses for `!!binary`:
 * padding required, \r and \n skipped, unused trailing bits ignored; the
 * bytes, or null where Go fails.
 */
export function decodeGoBase64(text: string): Buffer | null {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0) return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

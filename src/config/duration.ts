/**
 * Go's `time.ParseDuration`, which v0.9 used for `hold-time`: a sequence of
 * decimal numbers, each with an optional fraction and a unit (`ns`, `us`,
 * `µs`, `ms`, `s`, `m`, `h`), with an optional sign; `0` alone needs no unit.
 * The result is in nanoseconds and, as in Go, must fit a signed 64-bit integer.
 */
import type { Parsed } from '../ip/index.js';

const SECOND = 1_000_000_000n;
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign
  ['\u03bcs', 1_000n], // Greek small letter mu
  ['ms', 1_000_000n],
  ['s', SECOND],
  ['m', 60n * SECOND],
  ['h', 3600n * SECOND],
]);
const MAX_INT64 = (1n << 63n) - 1n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

export function parseGoDuration(text: string): Parsed<bigint> {
  const invalid = (why: string): Parsed<bigint> => ({
    ok: false,
    error: `${JSON.stringify(text)} is not a duration: ${why}`,
  });
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, value: 0n };
  if (rest === '') return invalid('expected a number with a unit, such as 90s or 1m30s');

  let total = 0n;
  while (rest !== '') {
    if (!(rest[0] === '.' || isDigit(rest[0]))) {
      return invalid('expected a number with a unit, such as 90s or 1m30s');
    }
    let i = 0;
    while (isDigit(rest[i])) i++;
    const whole = rest.slice(0, i);
    let fraction = '';
    if (rest[i] === '.') {
      const start = ++i;
      while (isDigit(rest[i])) i++;
      fraction = rest.slice(start, i);
    }
    if (whole === '' && fraction === '') return invalid('a "." needs digits');
    const unitStart = i;
    while (i < rest.length && rest[i] !== '.' && !isDigit(rest[i])) i++;
    const unitText = rest.slice(unitStart, i);
    if (unitText === '') return invalid(`missing unit (for seconds write ${text}s)`);
    const unit = UNITS.get(unitText);
    if (unit === undefined)
      return invalid(`unknown unit "${unitText}" (use h, m, s, ms, us or ns)`);

    let value = BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') {
      // As Go: the fraction's digits as an integer over a power of ten
      // (digits past 63 bits are dropped), scaled in float64, truncated.
      const { digits, scale } = fractionDigits(fraction);
      value += BigInt(Math.trunc(Number(digits) * (Number(unit) / Number(scale))));
    }
    total += value;
    if (total > MAX_INT64 + 1n) return invalid('too large');
    rest = rest.slice(i);
  }
  if (!negative && total > MAX_INT64) return invalid('too large');
  return { ok: true, value: negative ? -total : total };
}

function fractionDigits(fraction: string): { digits: bigint; scale: bigint } {
  let digits = 0n;
  let scale = 1n;
  for (const c of fraction) {
    const next = digits * 10n + BigInt(c);
    if (next > MAX_INT64) break;
    digits = next;
    scale *= 10n;
  }
  return { digits, scale };
}

/** Whole seconds, truncated toward zero as Go's `int(d.Seconds())`. */
export function wholeSeconds(nanoseconds: bigint): bigint {
  return nanoseconds / SECOND;
}

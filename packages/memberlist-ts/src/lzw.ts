/**
 * LZW as Go's `compress/lzw` does it with `lzw.LSB` and a literal width of 8,
 * the only compression memberlist knows (its `compress{Algo: 0}`).
 *
 * The format (GIF style): codes 0-255 are literals, 256 clears the table,
 * 257 ends the data, new strings get codes from 258 up. Codes start 9 bits
 * wide and are packed least significant bit first; the width grows by one
 * bit each time the next code to assign reaches a power of two, up to 12.
 *
 * Go's writer, which we reproduce bit for bit so that re-encoding a
 * captured packet gives the captured bytes:
 * - always starts with a clear code, and ends with the code in progress and
 *   the end code (an empty input is clear + end);
 * - counts `hi` (the last assigned code) up after every emitted code and
 *   widens when it reaches the overflow power of two, before the next code
 *   is written;
 * - when `hi` reaches 4095 it writes a clear (still 12 bits wide), drops
 *   the table and starts again at 9 bits, without assigning that code.
 *
 * Go's reader accepts data without a leading clear, stops assigning codes
 * once the table is full until the next clear ("deferred clear"), ignores
 * whatever follows the end code, and fails on a code above the next free
 * one or on input that ends before the end code. We do the same, and also
 * stop at a maximum output size, since memberlist has no such bound and a
 * few kilobytes of LZW can describe megabytes.
 */
import { CodecError } from './errors.js';

const LIT_WIDTH = 8;
const CLEAR = 1 << LIT_WIDTH; // 256
const EOF = CLEAR + 1; // 257
const MAX_WIDTH = 12;
/** Go's writer resets when the last assigned code would be this one. */
const WRITER_MAX_CODE = (1 << MAX_WIDTH) - 1; // 4095

/** Packs codes LSB first, as Go's `writeLSB`. */
class BitWriter {
  private out: Uint8Array = new Uint8Array(256);
  private len = 0;
  private bits = 0;
  private nBits = 0;

  write(code: number, width: number): void {
    this.bits |= code << this.nBits;
    this.nBits += width;
    while (this.nBits >= 8) {
      this.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.nBits -= 8;
    }
  }

  private push(byte: number): void {
    if (this.len === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.len++] = byte;
  }

  finish(): Uint8Array {
    if (this.nBits > 0) this.push(this.bits & 0xff);
    return this.out.slice(0, this.len);
  }
}

/**
 * The compressor's dictionary maps (prefix code << 8 | next byte) to a code.
 * Codes assigned are always >= 258, so 0 marks an empty slot. It is shared
 * by all calls (compression never yields, so calls cannot interleave) and
 * `used` remembers which slots to wipe, rather than clearing 2 MiB each time.
 */
const table = new Uint16Array(1 << (MAX_WIDTH + LIT_WIDTH));
const used = new Uint32Array(1 << MAX_WIDTH);
let usedCount = 0;

function clearTable(): void {
  for (let i = 0; i < usedCount; i++) table[used[i] ?? 0] = 0;
  usedCount = 0;
}

/** Compresses `input` into exactly the bytes Go's `lzw.NewWriter(w, lzw.LSB, 8)` writes. */
export function lzwCompress(input: Uint8Array): Uint8Array {
  try {
    return compressWith(input);
  } finally {
    clearTable();
  }
}

function compressWith(input: Uint8Array): Uint8Array {
  const out = new BitWriter();
  let width = LIT_WIDTH + 1;
  let hi = EOF;
  let overflow = 1 << width;

  // Go's incHi: returns false when the table was reset (no code assigned).
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === WRITER_MAX_CODE) {
      out.write(CLEAR, width);
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = 1 << width;
      clearTable();
      return false;
    }
    return true;
  };

  const first = input[0];
  if (first === undefined) {
    out.write(CLEAR, width);
    out.write(EOF, width);
    return out.finish();
  }
  out.write(CLEAR, width);
  let code = first;
  for (let i = 1; i < input.length; i++) {
    const literal = input[i] ?? 0;
    const key = (code << LIT_WIDTH) | literal;
    const known = table[key] ?? 0;
    if (known !== 0) {
      code = known;
      continue;
    }
    out.write(code, width);
    code = literal;
    if (incHi()) {
      table[key] = hi;
      used[usedCount++] = key;
    }
  }
  out.write(code, width);
  incHi();
  out.write(EOF, width);
  return out.finish();
}

/**
 * Decompresses what Go's writer (or any GIF-style LSB LZW with 8-bit
 * literals) wrote. Throws `CodecError`: `invalid` for a bad code or a
 * missing end code, `too-large` once the output would pass `maxOutput`.
 */
export function lzwDecompress(input: Uint8Array, maxOutput: number): Uint8Array {
  const prefix = new Uint16Array(1 << MAX_WIDTH);
  const suffix = new Uint8Array(1 << MAX_WIDTH);
  /** The first byte and length of each code's string, to write it forwards. */
  const head = new Uint8Array(1 << MAX_WIDTH);
  const length = new Uint16Array(1 << MAX_WIDTH);
  for (let c = 0; c < CLEAR; c++) {
    suffix[c] = c;
    head[c] = c;
    length[c] = 1;
  }
  const NONE = -1;

  let out = new Uint8Array(Math.min(maxOutput, Math.max(64, input.length * 4)));
  let o = 0;
  const grow = (n: number): void => {
    if (o + n > maxOutput) {
      throw new CodecError('too-large', `lzw: output passes the limit of ${maxOutput} bytes`);
    }
    if (o + n <= out.length) return;
    let size = out.length * 2;
    while (size < o + n) size *= 2;
    const next = new Uint8Array(Math.min(size, maxOutput));
    next.set(out.subarray(0, o));
    out = next;
  };

  let width = LIT_WIDTH + 1;
  let hi = EOF; // the next code to assign
  let overflow = 1 << width;
  let last = NONE;
  let bits = 0;
  let nBits = 0;
  let pos = 0;

  for (;;) {
    while (nBits < width) {
      const byte = input[pos++];
      if (byte === undefined) throw new CodecError('invalid', 'lzw: data ends before the end code');
      bits |= byte << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code === CLEAR) {
      width = LIT_WIDTH + 1;
      hi = EOF;
      overflow = 1 << width;
      last = NONE;
      continue;
    }
    if (code === EOF) break;
    if (code > hi) throw new CodecError('invalid', `lzw: code ${code} is above ${hi}`);

    let first: number;
    if (code === hi && last !== NONE) {
      // The code being defined right now: the previous string plus its own
      // first byte (the classic KwKwK case).
      const n = (length[last] ?? 0) + 1;
      grow(n);
      first = head[last] ?? 0;
      writeString(last, out, o, length, suffix, prefix);
      out[o + n - 1] = first;
      o += n;
    } else {
      // A code below hi is assigned; code === hi with no previous code only
      // happens once the table is full, where hi names the last entry.
      const n = length[code] ?? 0;
      grow(n);
      first = head[code] ?? 0;
      writeString(code, out, o, length, suffix, prefix);
      o += n;
    }
    if (last !== NONE) {
      prefix[hi] = last;
      suffix[hi] = first;
      head[hi] = head[last] ?? 0;
      length[hi] = (length[last] ?? 0) + 1;
    }
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        // Table full: keep decoding with it unchanged until a clear.
        last = NONE;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
  return out.slice(0, o);
}

/** Writes the string of `code` at `at` (its length is `length[code]`), last byte first. */
function writeString(
  code: number,
  out: Uint8Array,
  at: number,
  length: Uint16Array,
  suffix: Uint8Array,
  prefix: Uint16Array,
): void {
  let c = code;
  let i = at + (length[code] ?? 0) - 1;
  while (c >= CLEAR) {
    out[i--] = suffix[c] ?? 0;
    c = prefix[c] ?? 0;
  }
  out[i] = c;
}

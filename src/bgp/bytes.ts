/**
 * Byte helpers for the BGP codec: a growable writer for the encoders and bounds-checked
 * readers for the decoders. Every read is preceded by a length check, so a decoder can
 * never read past what it was given.
 */

/** A copy of `bytes[start, end)` as a plain Uint8Array, so decoded values never alias input. */
export function copyRange(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/** Big-endian unsigned 16-bit integer at `offset`; the caller has checked the length. */
export function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

/** Big-endian unsigned 32-bit integer at `offset`; the caller has checked the length. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return readUint16(bytes, offset) * 0x10000 + readUint16(bytes, offset + 2);
}

/** Throws a RangeError unless `value` is an integer in 0..max (encoders only). */
export function requireUint(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Appends big-endian fields to a buffer that grows as needed. */
export class ByteWriter {
  private buffer = new Uint8Array(64);
  private used = 0;

  get length(): number {
    return this.used;
  }

  private reserve(extra: number): number {
    const start = this.used;
    const needed = start + extra;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, start));
      this.buffer = grown;
    }
    this.used = needed;
    return start;
  }

  u8(value: number): this {
    const at = this.reserve(1);
    this.buffer[at] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    const at = this.reserve(2);
    this.buffer[at] = (value >>> 8) & 0xff;
    this.buffer[at + 1] = value & 0xff;
    return this;
  }

  u32(value: number): this {
    this.u16(Math.floor(value / 0x10000) & 0xffff);
    return this.u16(value & 0xffff);
  }

  bytes(value: Uint8Array): this {
    const at = this.reserve(value.length);
    this.buffer.set(value, at);
    return this;
  }

  /** Overwrites a 16-bit field written earlier (a length known only afterwards). */
  patchU16(offset: number, value: number): void {
    this.buffer[offset] = (value >>> 8) & 0xff;
    this.buffer[offset + 1] = value & 0xff;
  }

  /** The bytes written so far, as an array of exactly that length. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.used);
  }
}

/** A growable buffer the encoders append big-endian fields to (network byte order). */
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

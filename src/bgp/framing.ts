/**
 * Cutting a TCP byte stream into BGP messages (RFC 4271 section 4.1: each message starts with
 * the 16-byte marker and carries its own length).
 *
 * The marker and the length bounds are checked as soon as their bytes arrive, so a corrupt
 * length never makes the reader wait for bytes that will not come. After an error the reader
 * stays failed: the stream can no longer be trusted to be in step.
 *
 * A message that lies within one pushed chunk is returned as a view of that chunk (no copy);
 * callers must not reuse a chunk's memory after pushing it.
 */
import { checkHeader } from './header.js';
import { HEADER_LENGTH, type BgpError } from './types.js';

export type ReadResult =
  | { readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly kind: 'error'; readonly error: BgpError };

export class MessageReader {
  /** Chunks not yet consumed; the first starts at `headOffset`. */
  private readonly chunks: Uint8Array[] = [];
  private headOffset = 0;
  private buffered = 0;
  private failure: BgpError | null = null;

  /** Adds bytes from the stream. Ignored once the reader has failed. */
  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes pushed but not yet returned. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The next whole message, the error that stopped the stream, or null to wait for more bytes. */
  next(): ReadResult | null {
    if (this.failure !== null) return { kind: 'error', error: this.failure };
    const header = checkHeader(this.peek(Math.min(this.buffered, HEADER_LENGTH)));
    if (header.kind === 'error') {
      this.fail(header.error);
      return { kind: 'error', error: header.error };
    }
    if (header.kind === 'incomplete' || this.buffered < header.length) return null;
    return { kind: 'message', bytes: this.take(header.length) };
  }

  private fail(error: BgpError): void {
    this.failure = error;
    this.chunks.length = 0;
    this.buffered = 0;
    this.headOffset = 0;
  }

  /** The first `count` buffered bytes (count <= buffered), a view when they are in one chunk. */
  private peek(count: number): Uint8Array {
    const first = this.chunks[0];
    if (first === undefined) return new Uint8Array(0);
    if (first.length - this.headOffset >= count) {
      return first.subarray(this.headOffset, this.headOffset + count);
    }
    const out = new Uint8Array(count);
    let filled = 0;
    let offset = this.headOffset;
    for (const chunk of this.chunks) {
      if (filled === count) break;
      const part = chunk.subarray(offset, offset + (count - filled));
      out.set(part, filled);
      filled += part.length;
      offset = 0;
    }
    return out;
  }

  /** Removes and returns the first `count` buffered bytes (count <= buffered). */
  private take(count: number): Uint8Array {
    const bytes = this.peek(count);
    this.buffered -= count;
    let left = count;
    while (left > 0) {
      const first = this.chunks[0];
      if (first === undefined) break;
      const available = first.length - this.headOffset;
      if (available > left) {
        this.headOffset += left;
        left = 0;
      } else {
        this.chunks.shift();
        this.headOffset = 0;
        left -= available;
      }
    }
    return bytes;
  }
}

/** Small byte helpers shared by the codecs. */

/** True when both arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A copy of `bytes[start, end)` as a plain Uint8Array (never a Buffer, never a view), so a
 * decoded value neither pins nor aliases the caller's receive buffer.
 */
export function copyRange(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

/** A DataView over exactly the bytes of `bytes`, wherever it sits in its ArrayBuffer. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Throws a RangeError unless `bytes` has exactly `length` bytes (encoders only). */
export function requireLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
  }
}

/** Throws a RangeError unless `value` is an integer in 0..max (encoders only). */
export function requireUint(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
  }
}

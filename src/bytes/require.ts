/**
 * Checks the encoders make of what they are asked to write: a field that does not fit is the
 * caller's mistake, so it throws a RangeError instead of writing truncated bytes.
 */

/** Throws a RangeError unless `value` is an integer in 0..max. */
export function requireUint(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Throws a RangeError unless `bytes` has exactly `length` bytes. */
export function requireLength(what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes, got ${bytes.length}`);
  }
}

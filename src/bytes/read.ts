/**
 * Reading fields out of received bytes. Decoders check a length before they read, so these
 * never see an offset past the end; a copy is made wherever a decoded value keeps bytes.
 */

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

/** Big-endian unsigned 16-bit integer at `offset`; the caller has checked the length. */
export function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

/** Big-endian unsigned 32-bit integer at `offset`; the caller has checked the length. */
export function readUint32(bytes: Uint8Array, offset: number): number {
  return readUint16(bytes, offset) * 0x10000 + readUint16(bytes, offset + 2);
}

/** True when both arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

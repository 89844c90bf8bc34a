/**
 * The wrappers memberlist puts around messages (util.go, net.go):
 * - compound `0x07`: part count (u8), that many big-endian u16 lengths,
 *   then the parts back to back;
 * - compress `0x09`: a `compress{Algo: 0, Buf}` struct, Buf being Go
 *   `compress/lzw` LSB with 8-bit literals;
 * - CRC `0x0C`: CRC-32 (IEEE) of the rest, big-endian, then the rest.
 */
import { crc32 } from 'node:zlib';
import { ByteWriter } from './bytes.js';
import { CodecError } from './errors.js';
import { asStruct, readBytes, readUint } from './fields.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { decodeValue, writeValue, type DecodeLimits } from './msgpack.js';
import { MessageType } from './types.js';

/**
 * The most parts we put in one compound. The count byte allows 255, but
 * memberlist's decodeCompoundMessage does its offset arithmetic in uint8
 * (`numParts*2`), so a Go receiver misreads a compound of 128 or more.
 */
export const MAX_COMPOUND_PARTS = 127;

/** Builds a compound message (memberlist `makeCompoundMessage`). */
export function encodeCompound(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length > MAX_COMPOUND_PARTS) {
    throw new RangeError(`memberlist: ${parts.length} parts is more than a compound carries`);
  }
  const w = new ByteWriter(2 + 2 * parts.length + parts.reduce((n, p) => n + p.length, 0));
  w.u8(MessageType.compound);
  w.u8(parts.length);
  for (const p of parts) {
    if (p.length > 0xffff) throw new RangeError(`memberlist: compound part of ${p.length} bytes`);
    w.u16(p.length);
  }
  for (const p of parts) w.bytes(p);
  return w.finish();
}

export interface CompoundParts {
  /** The parts that were whole, in order. */
  readonly parts: Uint8Array[];
  /** How many declared parts ran past the end (memberlist's `trunc`). */
  readonly truncated: number;
}

/**
 * Splits a compound body (the bytes after `0x07`) as memberlist's
 * `decodeCompoundMessage` does: the parts that are whole, plus a count of
 * those cut off at the end. A missing count or length table throws
 * `CodecError('truncated')`. The parts are views into `body`.
 */
export function splitCompound(body: Uint8Array): CompoundParts {
  const count = body[0];
  if (count === undefined) throw new CodecError('truncated', 'compound: missing part count');
  if (body.length < 1 + 2 * count) {
    throw new CodecError('truncated', `compound: length table of ${count} parts is cut off`);
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const parts: Uint8Array[] = [];
  let at = 1 + 2 * count;
  for (let i = 0; i < count; i++) {
    const len = view.getUint16(1 + 2 * i);
    if (body.length - at < len) return { parts, truncated: count - i };
    parts.push(body.subarray(at, at + len));
    at += len;
  }
  return { parts, truncated: 0 };
}

/** Prefixes the CRC header (memberlist adds it toward peers at protocol >= 5). */
export function addCrc(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = MessageType.hasCrc;
  new DataView(out.buffer).setUint32(1, crc32(message) >>> 0);
  out.set(message, 5);
  return out;
}

/**
 * Checks a `0x0C` frame and returns the message inside, or null when the
 * checksum does not match. Throws `CodecError` if this is not a CRC frame.
 */
export function checkCrc(frame: Uint8Array): Uint8Array | null {
  if (frame[0] !== MessageType.hasCrc || frame.length < 5) {
    throw new CodecError('invalid', 'not a CRC frame');
  }
  const expected = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(1);
  const rest = frame.subarray(5);
  return crc32(rest) >>> 0 === expected ? rest : null;
}

/** memberlist `compressPayload`: `0x09` + `{Algo: 0, Buf: lzw(payload)}`. */
export function compressMessage(payload: Uint8Array): Uint8Array {
  const buf = lzwCompress(payload);
  const w = new ByteWriter(buf.length + 16);
  w.u8(MessageType.compress);
  writeValue(w, { Algo: 0, Buf: buf });
  return w.finish();
}

/**
 * Reads the `compress` struct at `offset` (just after `0x09`) and inflates
 * it. Returns the payload and where the struct ended. Throws `CodecError`:
 * `truncated` if the struct is cut off, `invalid` for an unknown algorithm
 * or bad LZW data, `too-large` past `maxOutput` bytes.
 */
export function decompressAt(
  bytes: Uint8Array,
  offset: number,
  maxOutput: number,
  limits?: Partial<DecodeLimits>,
): { payload: Uint8Array; end: number } {
  const { value, end } = decodeValue(bytes, offset, limits);
  const s = asStruct(value, 'compress');
  const algo = readUint(s, 'Algo', Number.MAX_SAFE_INTEGER, 'compress');
  if (algo !== 0) throw new CodecError('invalid', `compress: unknown algorithm ${algo}`);
  return { payload: lzwDecompress(readBytes(s, 'Buf', 'compress'), maxOutput), end };
}

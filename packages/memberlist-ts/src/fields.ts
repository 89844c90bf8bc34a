/**
 * Reading memberlist's structs out of decoded MessagePack maps with the
 * rules go-msgpack applies when it decodes into a Go struct:
 * - a missing key or nil leaves the field at its zero value (0, "", false,
 *   nil), which is also how older peers' missing fields read;
 * - keys are matched exactly and unknown keys are ignored;
 * - an integer must be an integer type that fits the field (a negative
 *   value for an unsigned field or an overflow is an error, so is a float);
 * - a bool is true/false or the integers 0/1;
 * - strings and byte slices are read from str or bin alike.
 * Anything else is `CodecError('invalid')`.
 */
import { CodecError } from './errors.js';
import { utf8, type Decoded } from './msgpack.js';
import type { Vsn } from './types.js';

export type Struct = ReadonlyMap<string, Decoded>;

function fail(where: string, key: string, why: string): never {
  throw new CodecError('invalid', `${where}.${key}: ${why}`);
}

export function asStruct(value: Decoded, where: string): Struct {
  if (!(value instanceof Map)) throw new CodecError('invalid', `${where}: expected a map`);
  return value;
}

function describe(value: Decoded): string {
  if (value === null) return 'nil';
  if (value instanceof Uint8Array) return 'a string';
  if (value instanceof Map) return 'a map';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a float or extension';
  return typeof value;
}

/** An unsigned integer of at most `max` (0 when missing or nil). */
export function readUint(s: Struct, key: string, max: number, where: string): number {
  const v = s.get(key) ?? null;
  if (v === null) return 0;
  if (typeof v !== 'number') fail(where, key, `expected an integer, got ${describe(v)}`);
  if (v < 0) fail(where, key, `negative value ${v} for an unsigned field`);
  if (v > max) fail(where, key, `${v} overflows the field (at most ${max})`);
  return v;
}

/** A Go `int` that memberlist uses as a count or length: must be >= 0. */
export function readCount(s: Struct, key: string, where: string): number {
  return readUint(s, key, Number.MAX_SAFE_INTEGER, where);
}

export function readBool(s: Struct, key: string, where: string): boolean {
  const v = s.get(key) ?? null;
  if (v === null || v === false || v === 0) return false;
  if (v === true || v === 1) return true;
  return fail(where, key, `expected a bool, got ${describe(v)}`);
}

/** A `[]byte` field: nil stays null (memberlist tells nil from empty on the wire). */
export function readBytesOrNull(s: Struct, key: string, where: string): Uint8Array | null {
  const v = s.get(key) ?? null;
  if (v === null) return null;
  if (!(v instanceof Uint8Array)) fail(where, key, `expected bytes, got ${describe(v)}`);
  return v;
}

export function readBytes(s: Struct, key: string, where: string): Uint8Array {
  return readBytesOrNull(s, key, where) ?? new Uint8Array(0);
}

/** A Go `string` field, as UTF-8 text. */
export function readString(s: Struct, key: string, where: string): string {
  const v = s.get(key) ?? null;
  if (v === null) return '';
  if (!(v instanceof Uint8Array)) fail(where, key, `expected a string, got ${describe(v)}`);
  return utf8(v);
}

/**
 * `Vsn`, a `[]uint8` of six versions sent as a byte string. A missing or
 * empty Vsn reads as all zeros (memberlist: "their version is zero", and a
 * zero pmin/pmax makes the state layer ignore an alive). Any length other
 * than 0 or 6 is refused: memberlist indexes all six and would crash.
 */
export function readVsn(s: Struct, key: string, where: string): Vsn {
  const raw = readBytes(s, key, where);
  if (raw.length === 0) return [0, 0, 0, 0, 0, 0];
  if (raw.length !== 6) fail(where, key, `expected 6 versions, got ${raw.length}`);
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0] = raw;
  return [a, b, c, d, e, f];
}

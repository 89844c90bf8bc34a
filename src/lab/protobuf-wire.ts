/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/)
 * as far as the lab's decoders of kubectl's bodies need it: fields split out of
 * a message, scalars read from them, and the JSON shapes Kubernetes gives
 * maps and bytes.
 */
import type { Json, JsonObject } from './json.js';

const MAX_FIELD_NUMBER = 2n ** 29n - 1n;

export const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Thrown inside the decoders and turned into an `{ ok: false }` answer at their edge. */
export class DecodeError extends Error {}

export interface WireField {
  number: number;
  wireType: number;
  /** The value of a varint field. */
  varint: bigint;
  /** The payload of a length-delimited field. */
  bytes: Uint8Array;
}

export const NO_BYTES = new Uint8Array(0);

/** Reads a base-128 varint at `pos`; returns its value and the position after it. */
function readVarint(buf: Uint8Array, pos: number, where: string): [bigint, number] {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = buf[pos + i];
    if (byte === undefined) throw new DecodeError(`truncated varint in ${where}`);
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return [value, pos + i + 1];
  }
  throw new DecodeError(`varint longer than 10 bytes in ${where}`);
}

/** Splits a message into its fields, skipping those of fixed-width wire types. */
export function readFields(buf: Uint8Array, where: string): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos, where);
    pos = afterTag;
    const fieldNumber = tag >> 3n;
    const wireType = Number(tag & 7n);
    if (fieldNumber === 0n || fieldNumber > MAX_FIELD_NUMBER) {
      throw new DecodeError(`invalid field number ${String(fieldNumber)} in ${where}`);
    }
    const number = Number(fieldNumber);
    switch (wireType) {
      case WIRE_VARINT: {
        const [value, after] = readVarint(buf, pos, where);
        fields.push({ number, wireType, varint: value, bytes: NO_BYTES });
        pos = after;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const width = wireType === WIRE_FIXED64 ? 8 : 4;
        if (pos + width > buf.length) {
          throw new DecodeError(`truncated field ${number} in ${where}`);
        }
        pos += width;
        break;
      }
      case WIRE_LENGTH_DELIMITED: {
        const [length, start] = readVarint(buf, pos, where);
        if (length > BigInt(buf.length - start)) {
          throw new DecodeError(`truncated field ${number} in ${where}`);
        }
        const end = start + Number(length);
        fields.push({ number, wireType, varint: 0n, bytes: buf.subarray(start, end) });
        pos = end;
        break;
      }
      default:
        throw new DecodeError(`unsupported wire type ${wireType} for field ${number} in ${where}`);
    }
  }
  return fields;
}

function expectWireType(field: WireField, wireType: number, where: string): void {
  if (field.wireType !== wireType) {
    throw new DecodeError(
      `field ${field.number} in ${where} has wire type ${field.wireType}, expected ${wireType}`,
    );
  }
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function stringOf(field: WireField, where: string): string {
  expectWireType(field, WIRE_LENGTH_DELIMITED, where);
  return utf8.decode(field.bytes);
}

export function bytesOf(field: WireField, where: string): Uint8Array {
  expectWireType(field, WIRE_LENGTH_DELIMITED, where);
  return field.bytes;
}

export function boolOf(field: WireField, where: string): boolean {
  expectWireType(field, WIRE_VARINT, where);
  return field.varint !== 0n;
}

export function int64Of(field: WireField, where: string): number {
  expectWireType(field, WIRE_VARINT, where);
  return Number(BigInt.asIntN(64, field.varint));
}

/** An int32: negative values arrive sign-extended to ten bytes; protobuf keeps the low 32 bits. */
export function int32Of(field: WireField, where: string): number {
  expectWireType(field, WIRE_VARINT, where);
  return Number(BigInt.asIntN(32, field.varint));
}

/** The last occurrence of a scalar field, as protobuf keeps. */
export function lastField(fields: WireField[], number: number): WireField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i];
    if (field?.number === number) return field;
  }
  return undefined;
}

/** Every occurrence of a field, in order: a `repeated` field. */
export function repeatedFields(fields: WireField[], number: number): WireField[] {
  return fields.filter((field) => field.number === number);
}

/** A `repeated string` field; undefined when empty, as `omitempty`. */
export function stringsOf(
  fields: WireField[],
  number: number,
  where: string,
): string[] | undefined {
  const values = repeatedFields(fields, number).map((field) => stringOf(field, where));
  return values.length > 0 ? values : undefined;
}

/** An embedded message: every occurrence merges into one, as protobuf does. */
export function messageOf(
  fields: WireField[],
  number: number,
  where: string,
): Uint8Array | undefined {
  const parts = repeatedFields(fields, number);
  if (parts.length === 0) return undefined;
  for (const part of parts) expectWireType(part, WIRE_LENGTH_DELIMITED, where);
  if (parts.length === 1) return parts[0]?.bytes;
  const merged = new Uint8Array(parts.reduce((sum, part) => sum + part.bytes.length, 0));
  let offset = 0;
  for (const part of parts) {
    merged.set(part.bytes, offset);
    offset += part.bytes.length;
  }
  return merged;
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Sets an own property, even for keys such as `__proto__`. */
function setOwn(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A `map<string, string>` (or `map<string, bytes>` as base64) field; undefined when empty, as `omitempty`. */
export function mapOf(
  fields: WireField[],
  number: number,
  values: 'string' | 'bytes',
  where: string,
): JsonObject | undefined {
  const result: JsonObject = {};
  let size = 0;
  for (const field of repeatedFields(fields, number)) {
    expectWireType(field, WIRE_LENGTH_DELIMITED, where);
    const entryWhere = `${where} map entry`;
    let key = '';
    let value: string = values === 'bytes' ? base64(NO_BYTES) : '';
    for (const part of readFields(field.bytes, entryWhere)) {
      if (part.number === 1) key = stringOf(part, entryWhere);
      else if (part.number === 2) {
        value = values === 'bytes' ? base64(bytesOf(part, entryWhere)) : stringOf(part, entryWhere);
      }
    }
    if (!Object.hasOwn(result, key)) size++;
    setOwn(result, key, value);
  }
  return size > 0 ? result : undefined;
}

/**
 * A string field as Go's `json:",omitempty"` writes it: undefined when absent
 * or empty (gogo-protobuf writes non-pointer strings even when empty).
 */
export function nonEmptyStringOf(
  fields: WireField[],
  number: number,
  where: string,
): string | undefined {
  const field = lastField(fields, number);
  const value = field === undefined ? '' : stringOf(field, where);
  return value === '' ? undefined : value;
}

/** A pointer field (`*string`): present means set, even to the empty string. */
export function presentStringOf(
  fields: WireField[],
  number: number,
  where: string,
): string | undefined {
  const field = lastField(fields, number);
  return field === undefined ? undefined : stringOf(field, where);
}

/** Sets `target[name]` for each non-empty string field of `names` (field number to JSON name). */
export function assignNonEmptyStrings(
  target: JsonObject,
  fields: WireField[],
  names: ReadonlyMap<number, string>,
  where: string,
): void {
  for (const [number, name] of names) {
    const value = nonEmptyStringOf(fields, number, where);
    if (value !== undefined) target[name] = value;
  }
}

/**
 * Decodes the `application/vnd.kubernetes.protobuf` bodies that kubectl's
 * generator commands (`kubectl create configmap|secret|namespace|token`) send.
 *
 * A body is the magic `k8s\0` followed by a `runtime.Unknown` message
 * (k8s.io/apimachinery/pkg/runtime/generated.proto):
 *   1: TypeMeta typeMeta { 1: apiVersion, 2: kind }   (runtime.TypeMeta; note that
 *      meta/v1.TypeMeta numbers the same two fields the other way round)
 *   2: bytes raw           the object's own protobuf encoding
 *   3: string contentEncoding
 *   4: string contentType
 * The objects (k8s.io/api/core/v1/generated.proto, meta/v1 for ObjectMeta):
 *   ConfigMap { 1: metadata, 2: map<string,string> data, 3: map<string,bytes> binaryData, 4: bool immutable }
 *   Secret    { 1: metadata, 2: map<string,bytes> data, 3: string type, 4: map<string,string> stringData, 5: bool immutable }
 *   Namespace { 1: metadata, 2: NamespaceSpec { 1: repeated string finalizers }, 3: NamespaceStatus { 1: string phase } }
 * and k8s.io/api/authentication/v1/generated.proto (as `kubectl create token --duration --audience` writes it):
 *   TokenRequest { 1: metadata, 2: TokenRequestSpec { 1: repeated string audiences, 3: boundObjectRef,
 *                  4: int64 expirationSeconds }, 3: status (ignored: the server sets it) }
 *   ObjectMeta { 1: name, 2: generateName, 3: namespace, 5: uid, 6: resourceVersion, 7: int64 generation,
 *                11: map labels, 12: map annotations, 14: repeated string finalizers } (others skipped)
 * Maps are repeated entry messages { 1: key, 2: value }.
 */
import type { Json, JsonObject } from './json.js';

export type { Json } from './json.js';

type DecodeResult = { ok: true; value: { [key: string]: Json } } | { ok: false; error: string };

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAX_FIELD_NUMBER = 2n ** 29n - 1n;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Thrown inside the decoder and turned into an `{ ok: false }` answer at its edge. */
class DecodeError extends Error {}

// ---------------------------------------------------------------------------
// Wire format

interface WireField {
  number: number;
  wireType: number;
  /** The value of a varint field. */
  varint: bigint;
  /** The payload of a length-delimited field. */
  bytes: Uint8Array;
}

const NO_BYTES = new Uint8Array(0);

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
function readFields(buf: Uint8Array, where: string): WireField[] {
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

function stringOf(field: WireField, where: string): string {
  expectWireType(field, WIRE_LENGTH_DELIMITED, where);
  return utf8.decode(field.bytes);
}

function bytesOf(field: WireField, where: string): Uint8Array {
  expectWireType(field, WIRE_LENGTH_DELIMITED, where);
  return field.bytes;
}

function boolOf(field: WireField, where: string): boolean {
  expectWireType(field, WIRE_VARINT, where);
  return field.varint !== 0n;
}

function int64Of(field: WireField, where: string): number {
  expectWireType(field, WIRE_VARINT, where);
  return Number(BigInt.asIntN(64, field.varint));
}

/** An embedded message: every occurrence merges into one, as protobuf does. */
function messageOf(fields: WireField[], number: number, where: string): Uint8Array | undefined {
  const parts = fields.filter((field) => field.number === number);
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

function base64(bytes: Uint8Array): string {
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
function mapOf(
  fields: WireField[],
  number: number,
  values: 'string' | 'bytes',
  where: string,
): JsonObject | undefined {
  const result: JsonObject = {};
  let size = 0;
  for (const field of fields) {
    if (field.number !== number) continue;
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

// ---------------------------------------------------------------------------
// Kubernetes messages

const OBJECT_META_STRINGS: ReadonlyMap<number, string> = new Map([
  [1, 'name'],
  [2, 'generateName'],
  [3, 'namespace'],
  [5, 'uid'],
  [6, 'resourceVersion'],
]);

/** ObjectMeta as JSON, leaving out empty values as the `omitempty` tags do. */
function decodeObjectMeta(buf: Uint8Array | undefined): JsonObject {
  const meta: JsonObject = {};
  if (buf === undefined) return meta;
  const where = 'ObjectMeta';
  const fields = readFields(buf, where);
  for (const [number, name] of OBJECT_META_STRINGS) {
    const field = lastField(fields, number);
    const value = field === undefined ? '' : stringOf(field, where);
    if (value !== '') meta[name] = value;
  }
  const generationField = lastField(fields, 7);
  const generation = generationField === undefined ? 0 : int64Of(generationField, where);
  if (generation !== 0) meta.generation = generation;
  const labels = mapOf(fields, 11, 'string', `${where}.labels`);
  if (labels !== undefined) meta.labels = labels;
  const annotations = mapOf(fields, 12, 'string', `${where}.annotations`);
  if (annotations !== undefined) meta.annotations = annotations;
  const finalizers = fields
    .filter((field) => field.number === 14)
    .map((field) => stringOf(field, where));
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return meta;
}

/** The last occurrence of a scalar field, as protobuf keeps. */
function lastField(fields: WireField[], number: number): WireField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i];
    if (field?.number === number) return field;
  }
  return undefined;
}

function decodeConfigMap(raw: Uint8Array): JsonObject {
  const where = 'ConfigMap';
  const fields = readFields(raw, where);
  const object: JsonObject = { metadata: decodeObjectMeta(messageOf(fields, 1, where)) };
  const data = mapOf(fields, 2, 'string', `${where}.data`);
  if (data !== undefined) object.data = data;
  const binaryData = mapOf(fields, 3, 'bytes', `${where}.binaryData`);
  if (binaryData !== undefined) object.binaryData = binaryData;
  const immutable = lastField(fields, 4);
  if (immutable !== undefined) object.immutable = boolOf(immutable, where);
  return object;
}

function decodeSecret(raw: Uint8Array): JsonObject {
  const where = 'Secret';
  const fields = readFields(raw, where);
  const object: JsonObject = { metadata: decodeObjectMeta(messageOf(fields, 1, where)) };
  const data = mapOf(fields, 2, 'bytes', `${where}.data`);
  if (data !== undefined) object.data = data;
  const stringData = mapOf(fields, 4, 'string', `${where}.stringData`);
  if (stringData !== undefined) object.stringData = stringData;
  const type = lastField(fields, 3);
  if (type !== undefined) {
    const value = stringOf(type, where);
    if (value !== '') object.type = value;
  }
  const immutable = lastField(fields, 5);
  if (immutable !== undefined) object.immutable = boolOf(immutable, where);
  return object;
}

function decodeNamespace(raw: Uint8Array): JsonObject {
  const where = 'Namespace';
  const fields = readFields(raw, where);
  const object: JsonObject = { metadata: decodeObjectMeta(messageOf(fields, 1, where)) };
  const specBytes = messageOf(fields, 2, where);
  if (specBytes !== undefined) {
    const spec: JsonObject = {};
    const finalizers = readFields(specBytes, 'NamespaceSpec')
      .filter((field) => field.number === 1)
      .map((field) => stringOf(field, 'NamespaceSpec'));
    if (finalizers.length > 0) spec.finalizers = finalizers;
    object.spec = spec;
  }
  const statusBytes = messageOf(fields, 3, where);
  if (statusBytes !== undefined) {
    const status: JsonObject = {};
    const phase = lastField(readFields(statusBytes, 'NamespaceStatus'), 1);
    if (phase !== undefined) {
      const value = stringOf(phase, 'NamespaceStatus');
      if (value !== '') status.phase = value;
    }
    object.status = status;
  }
  return object;
}

/**
 * Only the spec fields the lab's TokenRequest reads; a bound object
 * reference is not kept (the lab binds tokens to their ServiceAccount only).
 */
function decodeTokenRequest(raw: Uint8Array): JsonObject {
  const where = 'TokenRequest';
  const fields = readFields(raw, where);
  const object: JsonObject = { metadata: decodeObjectMeta(messageOf(fields, 1, where)) };
  const specBytes = messageOf(fields, 2, where);
  const spec: JsonObject = {};
  if (specBytes !== undefined) {
    const specFields = readFields(specBytes, 'TokenRequestSpec');
    const audiences = specFields
      .filter((field) => field.number === 1)
      .map((field) => stringOf(field, 'TokenRequestSpec'));
    if (audiences.length > 0) spec.audiences = audiences;
    const seconds = lastField(specFields, 4);
    if (seconds !== undefined) spec.expirationSeconds = int64Of(seconds, 'TokenRequestSpec');
  }
  object.spec = spec;
  return object;
}

/** By `apiVersion/kind`. */
const DECODERS: Record<string, (raw: Uint8Array) => JsonObject> = {
  'v1/ConfigMap': decodeConfigMap,
  'v1/Secret': decodeSecret,
  'v1/Namespace': decodeNamespace,
  'authentication.k8s.io/v1/TokenRequest': decodeTokenRequest,
};

function decode(body: Uint8Array): JsonObject {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) {
    throw new DecodeError('not a Kubernetes protobuf body: it does not start with "k8s\\0"');
  }
  const where = 'runtime.Unknown';
  const envelope = readFields(body.subarray(MAGIC.length), where);
  let apiVersion = '';
  let kind = '';
  const typeMeta = messageOf(envelope, 1, where);
  if (typeMeta !== undefined) {
    for (const field of readFields(typeMeta, 'TypeMeta')) {
      if (field.number === 1) apiVersion = stringOf(field, 'TypeMeta');
      else if (field.number === 2) kind = stringOf(field, 'TypeMeta');
    }
  }
  const rawField = lastField(envelope, 2);
  const encodingField = lastField(envelope, 3);
  const contentTypeField = lastField(envelope, 4);
  const encoding = encodingField === undefined ? '' : stringOf(encodingField, where);
  const contentType = contentTypeField === undefined ? '' : stringOf(contentTypeField, where);
  if (kind === '') throw new DecodeError('protobuf body has no kind');
  const typeKey = `${apiVersion}/${kind}`;
  const decoder = Object.hasOwn(DECODERS, typeKey) ? DECODERS[typeKey] : undefined;
  if (decoder === undefined) {
    throw new DecodeError(
      `cannot decode protobuf body of kind ${JSON.stringify(kind)} (apiVersion ${JSON.stringify(apiVersion)}): only v1 ConfigMap, Secret and Namespace and authentication.k8s.io/v1 TokenRequest are supported`,
    );
  }
  if (encoding !== '') {
    throw new DecodeError(`unsupported content encoding ${JSON.stringify(encoding)}`);
  }
  if (contentType !== '' && contentType !== PROTOBUF_CONTENT_TYPE) {
    throw new DecodeError(`unsupported content type ${JSON.stringify(contentType)}`);
  }
  if (rawField === undefined) throw new DecodeError(`protobuf body has no ${kind} data`);
  const object = decoder(bytesOf(rawField, where));
  return { apiVersion, kind, ...object };
}

/** The object as the JSON the API would hold (`apiVersion`, `kind`, `metadata`, ...; bytes fields base64 as in JSON), or an error for a body we cannot read (unknown kind: say which). Never throws on any input. */
export function decodeKubernetesProtobuf(body: Uint8Array): DecodeResult {
  try {
    return { ok: true, value: decode(body) };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, error: err.message };
    return { ok: false, error: `cannot decode protobuf body: ${String(err)}` };
  }
}

/**
 * Decodes the `application/vnd.kubernetes.protobuf` bodies that kubectl's
 * generator commands (`kubectl create configmap|secret|namespace|serviceaccount|
 * token|service`) send.
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
 *   ServiceAccount { 1: metadata, 2: repeated ObjectReference secrets { 1: kind, 2: namespace, 3: name, 4: uid,
 *                    5: apiVersion, 6: resourceVersion, 7: fieldPath }, 3: repeated LocalObjectReference
 *                    imagePullSecrets { 1: name }, 4: *bool automountServiceAccountToken }
 * and k8s.io/api/authentication/v1/generated.proto (as `kubectl create token --duration --audience` writes it):
 *   TokenRequest { 1: metadata, 2: TokenRequestSpec { 1: repeated string audiences, 3: boundObjectRef,
 *                  4: int64 expirationSeconds }, 3: status (ignored: the server sets it) }
 * Service is in protobuf-service.ts, ObjectMeta in protobuf-meta.ts.
 * Maps are repeated entry messages { 1: key, 2: value }.
 */
import type { Json, JsonObject } from './json.js';
import { decodeObjectMeta } from './protobuf-meta.js';
import { decodeService } from './protobuf-service.js';
import {
  assignNonEmptyStrings,
  boolOf,
  bytesOf,
  DecodeError,
  int64Of,
  lastField,
  mapOf,
  messageOf,
  nonEmptyStringOf,
  readFields,
  repeatedFields,
  stringOf,
  stringsOf,
} from './protobuf-wire.js';

export type { Json } from './json.js';

type DecodeResult = { ok: true; value: { [key: string]: Json } } | { ok: false; error: string };

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

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
  const type = nonEmptyStringOf(fields, 3, where);
  if (type !== undefined) object.type = type;
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
    const finalizers = stringsOf(readFields(specBytes, 'NamespaceSpec'), 1, 'NamespaceSpec');
    if (finalizers !== undefined) spec.finalizers = finalizers;
    object.spec = spec;
  }
  const statusBytes = messageOf(fields, 3, where);
  if (statusBytes !== undefined) {
    const status: JsonObject = {};
    const phase = nonEmptyStringOf(
      readFields(statusBytes, 'NamespaceStatus'),
      1,
      'NamespaceStatus',
    );
    if (phase !== undefined) status.phase = phase;
    object.status = status;
  }
  return object;
}

const OBJECT_REFERENCE_STRINGS: ReadonlyMap<number, string> = new Map([
  [1, 'kind'],
  [2, 'namespace'],
  [3, 'name'],
  [4, 'uid'],
  [5, 'apiVersion'],
  [6, 'resourceVersion'],
  [7, 'fieldPath'],
]);

/** An ObjectReference or a LocalObjectReference ({ 1: name }): every field a string with omitempty. */
function decodeReference(
  buf: Uint8Array,
  names: ReadonlyMap<number, string>,
  where: string,
): JsonObject {
  const reference: JsonObject = {};
  assignNonEmptyStrings(reference, readFields(buf, where), names, where);
  return reference;
}

function decodeServiceAccount(raw: Uint8Array): JsonObject {
  const where = 'ServiceAccount';
  const fields = readFields(raw, where);
  const object: JsonObject = { metadata: decodeObjectMeta(messageOf(fields, 1, where)) };
  const references = (number: number, names: ReadonlyMap<number, string>, of: string) =>
    repeatedFields(fields, number).map((field) =>
      decodeReference(bytesOf(field, where), names, of),
    );
  const secrets = references(2, OBJECT_REFERENCE_STRINGS, 'ObjectReference');
  if (secrets.length > 0) object.secrets = secrets;
  const pullSecrets = references(3, new Map([[1, 'name']]), 'LocalObjectReference');
  if (pullSecrets.length > 0) object.imagePullSecrets = pullSecrets;
  const automount = lastField(fields, 4);
  if (automount !== undefined) object.automountServiceAccountToken = boolOf(automount, where);
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
    const audiences = stringsOf(specFields, 1, 'TokenRequestSpec');
    if (audiences !== undefined) spec.audiences = audiences;
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
  'v1/Service': decodeService,
  'v1/ServiceAccount': decodeServiceAccount,
  'authentication.k8s.io/v1/TokenRequest': decodeTokenRequest,
};

/** `v1 ConfigMap, v1 Secret, ...`, for the error that names what the lab reads. */
const SUPPORTED = Object.keys(DECODERS)
  .map((key) => key.replace(/\/(?=[^/]*$)/, ' '))
  .join(', ');

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
      `cannot decode protobuf body of kind ${JSON.stringify(kind)} (apiVersion ${JSON.stringify(apiVersion)}): only ${SUPPORTED} are supported`,
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

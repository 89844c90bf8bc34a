/**
 * The apimachinery messages the lab's protobuf decoders share:
 *   ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto) { 1: name, 2: generateName,
 *     3: namespace, 5: uid, 6: resourceVersion, 7: int64 generation, 11: map labels,
 *     12: map annotations, 14: repeated string finalizers } (others skipped)
 *   IntOrString (k8s.io/apimachinery/pkg/util/intstr/generated.proto) { 1: int64 type (0 int,
 *     1 string), 2: int32 intVal, 3: string strVal }
 */
import type { Json, JsonObject } from './json.js';
import {
  assignNonEmptyStrings,
  DecodeError,
  int32Of,
  int64Of,
  lastField,
  mapOf,
  readFields,
  stringOf,
  stringsOf,
} from './protobuf-wire.js';

const OBJECT_META_STRINGS: ReadonlyMap<number, string> = new Map([
  [1, 'name'],
  [2, 'generateName'],
  [3, 'namespace'],
  [5, 'uid'],
  [6, 'resourceVersion'],
]);

/** ObjectMeta as JSON, leaving out empty values as the `omitempty` tags do. */
export function decodeObjectMeta(buf: Uint8Array | undefined): JsonObject {
  const meta: JsonObject = {};
  if (buf === undefined) return meta;
  const where = 'ObjectMeta';
  const fields = readFields(buf, where);
  assignNonEmptyStrings(meta, fields, OBJECT_META_STRINGS, where);
  const generationField = lastField(fields, 7);
  const generation = generationField === undefined ? 0 : int64Of(generationField, where);
  if (generation !== 0) meta.generation = generation;
  const labels = mapOf(fields, 11, 'string', `${where}.labels`);
  if (labels !== undefined) meta.labels = labels;
  const annotations = mapOf(fields, 12, 'string', `${where}.annotations`);
  if (annotations !== undefined) meta.annotations = annotations;
  const finalizers = stringsOf(fields, 14, where);
  if (finalizers !== undefined) meta.finalizers = finalizers;
  return meta;
}

const INT_OR_STRING_INT = 0;
const INT_OR_STRING_STRING = 1;

/** IntOrString as its JSON: a number or a string, by its `type` (intstr.go MarshalJSON). */
export function decodeIntOrString(buf: Uint8Array): Json {
  const where = 'IntOrString';
  const fields = readFields(buf, where);
  const typeField = lastField(fields, 1);
  const type = typeField === undefined ? INT_OR_STRING_INT : int64Of(typeField, where);
  if (type === INT_OR_STRING_INT) {
    const intVal = lastField(fields, 2);
    return intVal === undefined ? 0 : int32Of(intVal, where);
  }
  if (type === INT_OR_STRING_STRING) {
    const strVal = lastField(fields, 3);
    return strVal === undefined ? '' : stringOf(strVal, where);
  }
  throw new DecodeError(`IntOrString has unknown type ${type}`);
}

/**
 * Validators for the `metallb.io` resources `to-crds` writes, built either
 * from this project's record of current MetalLB's CRD schemas
 * (test/fixtures/upstream-facts/crds-v0.15.json: kinds, field names,
 * types, enums, bounds, required fields) or, in the upstream comparison
 * tier, from the CRD files themselves. Both close every object that names
 * its fields, as the API server prunes or refuses unknown fields of a
 * structural schema.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { load } from 'js-yaml';
import { UPSTREAM_FACTS } from '../support/paths.js';

/** One node of a schema, in the record's own terms. */
export interface FieldFact {
  /** `labelSelector` stands for Kubernetes' LabelSelector (matchLabels, matchExpressions). */
  readonly type: 'string' | 'boolean' | 'integer' | 'object' | 'array' | 'labelSelector';
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  /** An array's items. */
  readonly item?: FieldFact;
  /** An object's named fields (no other field is kept). */
  readonly fields?: Readonly<Record<string, FieldFact>>;
  readonly required?: readonly string[];
  /** A map's values (an object without named fields). */
  readonly values?: FieldFact;
}

/** `group/version/Kind` -> the whole object's schema. */
export type CrdFacts = Readonly<Record<string, FieldFact>>;

/** The five kinds `to-crds` writes, at the versions it writes. */
export const WRITTEN_KINDS = [
  'metallb.io/v1beta1/IPAddressPool',
  'metallb.io/v1beta1/L2Advertisement',
  'metallb.io/v1beta1/BGPAdvertisement',
  'metallb.io/v1beta2/BGPPeer',
  'metallb.io/v1beta1/Community',
] as const;

export function recordedCrdFacts(): CrdFacts {
  const file = join(UPSTREAM_FACTS, 'crds-v0.15.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { kinds: CrdFacts }).kinds;
}

type Schema = Record<string, unknown>;

const LABEL_SELECTOR: FieldFact = {
  type: 'object',
  fields: {
    matchExpressions: {
      type: 'array',
      item: {
        type: 'object',
        fields: {
          key: { type: 'string' },
          operator: { type: 'string' },
          values: { type: 'array', item: { type: 'string' } },
        },
        required: ['key', 'operator'],
      },
    },
    matchLabels: { type: 'object', values: { type: 'string' } },
  },
};

/** A JSON schema node -> the record's terms (descriptions, formats, defaults and x-kubernetes-* dropped). */
function factOf(schema: Schema): FieldFact {
  const properties = schema['properties'] as Record<string, Schema> | undefined;
  const items = schema['items'] as Schema | undefined;
  const additional = schema['additionalProperties'];
  const fact: Record<string, unknown> = { type: schema['type'] };
  for (const key of ['enum', 'minimum', 'maximum', 'minItems'] as const)
    if (schema[key] !== undefined) fact[key] = schema[key];
  if (items !== undefined) fact['item'] = factOf(items);
  if (properties !== undefined) {
    fact['fields'] = Object.fromEntries(
      Object.keys(properties)
        .sort()
        .map((name) => [name, factOf(properties[name] ?? {})]),
    );
  }
  if (schema['required'] !== undefined) fact['required'] = schema['required'];
  if (typeof additional === 'object' && additional !== null)
    fact['values'] = factOf(additional as Schema);
  const result = fact as unknown as FieldFact;
  return isDeepStrictEqual(result, LABEL_SELECTOR) ? { type: 'labelSelector' } : result;
}

/** The record's terms -> a JSON schema that refuses fields an object does not name. */
function schemaOf(fact: FieldFact): Schema {
  if (fact.type === 'labelSelector') return schemaOf(LABEL_SELECTOR);
  const schema: Schema = { type: fact.type };
  if (fact.enum !== undefined) schema['enum'] = fact.enum;
  if (fact.minimum !== undefined) schema['minimum'] = fact.minimum;
  if (fact.maximum !== undefined) schema['maximum'] = fact.maximum;
  if (fact.minItems !== undefined) schema['minItems'] = fact.minItems;
  if (fact.item !== undefined) schema['items'] = schemaOf(fact.item);
  if (fact.fields !== undefined) {
    schema['properties'] = Object.fromEntries(
      Object.entries(fact.fields).map(([name, field]) => [name, schemaOf(field)]),
    );
    schema['additionalProperties'] = false;
  }
  if (fact.values !== undefined) schema['additionalProperties'] = schemaOf(fact.values);
  if (fact.required !== undefined) schema['required'] = fact.required;
  return schema;
}

/** Structural schemas close their objects: what they do not name is not kept. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = closed(value);
  if (
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

interface CrdFile {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

/** `group/version/Kind` -> the served version's schema, from a folder of CRD files. */
function servedSchemas(folder: string): Map<string, Schema> {
  const schemas = new Map<string, Schema>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml'))) {
    const crd = load(readFileSync(join(folder, file), 'utf8')) as CrdFile;
    for (const version of crd.spec.versions.filter((v) => v.served))
      schemas.set(
        `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
        version.schema.openAPIV3Schema,
      );
  }
  return schemas;
}

/** What the record should say, read from the CRD files (the written kinds only). */
export function crdFactsOfFiles(folder: string): CrdFacts {
  const schemas = servedSchemas(folder);
  return Object.fromEntries(
    WRITTEN_KINDS.filter((key) => schemas.has(key)).map((key) => [
      key,
      factOf(schemas.get(key) ?? {}),
    ]),
  );
}

// Formats (int32 on ASNs up to 2^32-1) are informational in CRDs; keywords x-kubernetes-* unknown to ajv.
const newAjv = (): Ajv => new Ajv({ strict: false, allErrors: true, validateFormats: false });

export function validatorsOfFacts(facts: CrdFacts): Map<string, ValidateFunction> {
  const ajv = newAjv();
  return new Map(Object.entries(facts).map(([key, fact]) => [key, ajv.compile(schemaOf(fact))]));
}

export function validatorsOfFiles(folder: string): Map<string, ValidateFunction> {
  const ajv = newAjv();
  return new Map(
    [...servedSchemas(folder)].map(([key, schema]) => [key, ajv.compile(closed(schema) as Schema)]),
  );
}

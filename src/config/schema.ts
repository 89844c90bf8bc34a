/**
 * The structure of a v0.9 config as a JSON schema: keys, types and required
 * keys (docs/COMPAT.md section 1). v0.9 decoded the YAML with yaml.v2's strict
 * mode into Go structs; this schema is that struct shape. Rules between
 * values (overlaps, aggregation lengths, label syntax...) are checked in
 * plain code after it.
 *
 * The same schema also steers the YAML-to-value conversion (source.ts):
 * where it says `string`, any YAML scalar is read as its literal text, as
 * yaml.v2 did for Go string fields; `goType` names the Go integer type of a
 * field, whose rules (a fraction truncated, a value that does not fit
 * refused) yaml.v2's decoder applied.
 */
import type { GoIntKind } from '../goyaml/index.js';

/** The subset of JSON schema this file uses; source.ts walks it. */
export interface Schema {
  readonly type: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: false | Schema;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly minItems?: number;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
  /** The Go type of an integer field in v0.9's config structs (internal/config/config.go); `int` when absent. */
  readonly goType?: GoIntKind;
}

const string: Schema = { type: 'string' };
const uint32: Schema = { type: 'integer', goType: 'uint32', minimum: 0, maximum: 4294967295 };
const stringList: Schema = { type: 'array', items: string };

const matchExpression: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'operator'],
  properties: { key: string, operator: string, values: stringList },
};

const nodeSelector: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'match-labels': { type: 'object', additionalProperties: string },
    'match-expressions': { type: 'array', items: matchExpression },
  },
};

const peer: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['my-asn', 'peer-asn', 'peer-address'],
  properties: {
    'my-asn': uint32,
    'peer-asn': uint32,
    'peer-address': string,
    'peer-port': { type: 'integer', goType: 'uint16', minimum: 0, maximum: 65535 },
    'hold-time': string,
    'router-id': string,
    password: string,
    'node-selectors': { type: 'array', items: nodeSelector },
  },
};

const bgpAdvertisement: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'aggregation-length': { type: 'integer', goType: 'int' },
    'aggregation-length-v6': { type: 'integer' },
    localpref: uint32,
    communities: stringList,
  },
};

const addressPool: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'protocol', 'addresses'],
  properties: {
    name: { type: 'string', minLength: 1 },
    protocol: { type: 'string', enum: ['layer2', 'bgp'] },
    addresses: { type: 'array', minItems: 1, items: string },
    'avoid-buggy-ips': { type: 'boolean' },
    'auto-assign': { type: 'boolean' },
    'bgp-advertisements': { type: 'array', items: bgpAdvertisement },
  },
};

export const configSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    peers: { type: 'array', items: peer },
    'bgp-communities': { type: 'object', additionalProperties: string },
    'address-pools': { type: 'array', items: addressPool },
  },
};

/** Shared with the `balancer-classes` schema (classes-schema.ts), which uses v0.9's selector syntax. */
export { nodeSelector as nodeSelectorSchema, string as stringSchema };

/** The config as it is once the schema holds (keys as written in YAML). */
export interface RawConfig {
  readonly peers?: readonly RawPeer[];
  readonly 'bgp-communities'?: Readonly<Record<string, string>>;
  readonly 'address-pools'?: readonly RawPool[];
}

export interface RawPeer {
  readonly 'my-asn': number;
  readonly 'peer-asn': number;
  readonly 'peer-address': string;
  readonly 'peer-port'?: number;
  readonly 'hold-time'?: string;
  readonly 'router-id'?: string;
  readonly password?: string;
  readonly 'node-selectors'?: readonly RawNodeSelector[];
}

export interface RawNodeSelector {
  readonly 'match-labels'?: Readonly<Record<string, string>>;
  readonly 'match-expressions'?: readonly RawMatchExpression[];
}

export interface RawMatchExpression {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface RawPool {
  readonly name: string;
  readonly protocol: 'layer2' | 'bgp';
  readonly addresses: readonly string[];
  readonly 'avoid-buggy-ips'?: boolean;
  readonly 'auto-assign'?: boolean;
  readonly 'bgp-advertisements'?: readonly RawBgpAdvertisement[];
}

export interface RawBgpAdvertisement {
  readonly 'aggregation-length'?: number;
  readonly 'aggregation-length-v6'?: number;
  readonly localpref?: number;
  readonly communities?: readonly string[];
}

/**
 * The structure of the `balancer-classes` data key (docs/SCALEOUT.md,
 * "Configuration"): a list of classes. As strict as the `config` key:
 * unknown keys, wrong types and missing required keys are errors. Ranges
 * that are plain bounds (`ips-per-service`) are part of the schema, so their
 * messages read like those of the `config` key.
 */
import { nodeSelectorSchema, stringSchema, type RawNodeSelector, type Schema } from './schema.js';

/** docs/SCALEOUT.md: a Service of a class gets 1 to 64 addresses. */
export const MIN_IPS_PER_SERVICE = 1;
export const MAX_IPS_PER_SERVICE = 64;

const balancerClass: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'addresses'],
  properties: {
    name: { type: 'string', minLength: 1 },
    addresses: { type: 'array', minItems: 1, items: stringSchema },
    'avoid-buggy-ips': { type: 'boolean' },
    'node-selectors': { type: 'array', items: nodeSelectorSchema },
    'ips-per-service': {
      type: 'integer',
      minimum: MIN_IPS_PER_SERVICE,
      maximum: MAX_IPS_PER_SERVICE,
    },
  },
};

export const classesSchema: Schema = { type: 'array', items: balancerClass };

/** One class as it is once the schema holds (keys as written in YAML). */
export interface RawBalancerClass {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly 'avoid-buggy-ips'?: boolean;
  readonly 'node-selectors'?: readonly RawNodeSelector[];
  readonly 'ips-per-service'?: number;
}

/**
 * Mutates the valid fixtures 10,000 times (seeded, so a failure replays)
 * and checks that parsing gives a Config or a list of errors: never an
 * exception, never our internal-error fallback.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, parseConfigData, type ConfigResult } from '../../src/config/index.js';
import { FIXTURES } from '../support/paths.js';

const folder = join(FIXTURES, 'configs');
const seeds = readdirSync(folder)
  .filter((file) => file.startsWith('valid-') && file.endsWith('.yaml'))
  .map((file) => readFileSync(join(folder, file), 'utf8'));

/** Fragments that make YAML and config mistakes likely. */
const TOKENS = [
  ':',
  '-',
  ' ',
  '  ',
  '\t',
  '\n',
  '#',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a',
  '*a',
  '<<: *a',
  '!!str',
  '!!binary',
  '~',
  '"',
  "'",
  '|',
  '>',
  '---',
  '...',
  '0',
  '-1',
  '4294967296',
  '1e400',
  '.nan',
  'yes',
  'no',
  '192.0.2.0/24',
  '2001:db8::/64',
  '192.0.2.9-192.0.2.1',
  '::',
  '65535:65281',
  'layer2',
  'bgp',
  'name:',
  'addresses:',
  'peers:',
  'address-pools:',
  'bgp-advertisements:',
  'aggregation-length: 0',
  'hold-time: 1.5s',
  'operator: In',
  '\u0000',
  '\ufeff',
  '\u00b5s',
];

type Mutation = (text: string) => string;

/** Mutations that insert fragments of `tokens`, among others. */
const mutationWith = (tokens: readonly string[]): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(([at, length]): Mutation => (t) => {
      const start = at % (t.length + 1);
      return t.slice(0, start) + t.slice(start + length);
    }),
    fc.tuple(fc.nat(), fc.constantFrom(...tokens)).map(([at, token]): Mutation => (t) => {
      const start = at % (t.length + 1);
      return t.slice(0, start) + token + t.slice(start);
    }),
    fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 60 })).map(([from, to, length]): Mutation => (t) => {
      const start = from % (t.length + 1);
      const piece = t.slice(start, start + length);
      const at = to % (t.length + 1);
      return t.slice(0, at) + piece + t.slice(at);
    }),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0x10ffff })).map(([at, code]): Mutation => (t) => {
      const start = at % Math.max(t.length, 1);
      return t.slice(0, start) + String.fromCodePoint(code) + t.slice(start + 1);
    }),
    fc.nat().map((line): Mutation => (t) => {
      const lines = t.split('\n');
      lines.splice(line % Math.max(lines.length, 1), 1);
      return lines.join('\n');
    }),
  );

const mutation = mutationWith(TOKENS);

describe('config: fuzz', () => {
  it('has valid fixtures to mutate', () => {
    expect(seeds.length).to.be.at.least(10);
  });

  it('never throws on 10,000 mutated configs', function () {
    this.timeout(240_000);
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, mutations) => {
          const text = mutations.reduce((t, mutate) => mutate(t), seeds[seed] ?? '');
          const result = parseConfig(text);
          if (result.ok) {
            valid++;
            return;
          }
          invalid++;
          expect(result.errors.length).to.be.greaterThan(0);
          for (const error of result.errors) {
            expect(error.message).not.to.match(/^internal error/);
            expect(error.message).to.be.a('string').and.not.equal('');
          }
        },
      ),
      { seed: 20261122, numRuns: 10_000 },
    );
    // Both outcomes occur, or the mutations are not exercising the parser.
    expect(valid).to.be.greaterThan(0);
    expect(invalid).to.be.greaterThan(0);
  });
});

/** Valid `balancer-classes` texts (docs/SCALEOUT.md) to mutate, and a config key beside them. */
const CLASS_SEEDS = [
  `- name: edge
  addresses:
  - 203.0.113.16/28
  node-selectors:
  - match-labels:
      metallb-ts.io/balancer: "true"
  ips-per-service: 3
`,
  `- name: a
  addresses: [203.0.113.0/26, 2001:db8:c1a5::/120]
  avoid-buggy-ips: true
- name: b
  addresses:
  - 203.0.113.64 - 203.0.113.100
  node-selectors:
  - match-expressions:
    - key: rack
      operator: In
      values: [r1, r2]
    - {key: spare, operator: DoesNotExist}
  ips-per-service: 64
`,
  `- &base
  name: c
  addresses: [198.51.100.0/28]
- <<: *base
  name: d
  addresses: [198.51.100.16/28]
  ips-per-service: 1
`,
];
const CLASS_CONFIG = `address-pools:
- name: default
  protocol: layer2
  addresses: [192.0.2.0/24]
`;
const CLASS_TOKENS = [
  ...TOKENS,
  'name: default',
  'ips-per-service:',
  '65',
  'three',
  'avoid-buggy-ips:',
  'node-selectors:',
  'match-labels:',
  'match-expressions:',
  '192.0.2.0/24',
  '203.0.113.16/28',
  '- name: edge\n  addresses: [203.0.113.0/24]\n',
];

/** A result of the whole data: a Config or errors, each with a message and, for the classes, their key's path. */
function expectWellFormed(result: ConfigResult): void {
  if (result.ok) return;
  expect(result.errors.length).to.be.greaterThan(0);
  for (const error of result.errors) {
    expect(error.message).not.to.match(/^internal error/);
    expect(error.message).to.be.a('string').and.not.equal('');
    expect(error.path, 'only the classes key is broken').to.match(/^balancer-classes/);
  }
}

describe('config: fuzz, balancer-classes', () => {
  it('never throws on 5,000 mutated balancer-classes texts', function () {
    this.timeout(240_000);
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: CLASS_SEEDS.length - 1 }),
        fc.array(mutationWith(CLASS_TOKENS), { minLength: 1, maxLength: 4 }),
        (seed, mutations) => {
          const text = mutations.reduce((t, mutate) => mutate(t), CLASS_SEEDS[seed] ?? '');
          const result = parseConfigData({ config: CLASS_CONFIG, 'balancer-classes': text });
          expectWellFormed(result);
          if (result.ok) valid++;
          else invalid++;
        },
      ),
      { seed: 20261123, numRuns: 5_000 },
    );
    expect(valid).to.be.greaterThan(0);
    expect(invalid).to.be.greaterThan(0);
  });

  it('never throws on 2,000 texts made of random fragments', function () {
    this.timeout(240_000);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...CLASS_TOKENS), fc.string({ maxLength: 8 })), {
          maxLength: 30,
        }),
        (pieces) => {
          expectWellFormed(
            parseConfigData({ config: CLASS_CONFIG, 'balancer-classes': pieces.join('') }),
          );
        },
      ),
      { seed: 20261124, numRuns: 2_000 },
    );
  });
});

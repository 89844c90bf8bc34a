/**
 * Mutates the valid fixtures 100,000 times (seeded, so a failure replays),
 * with alias bombs, unknown anchors, deep nesting, long lines and texts
 * grown up to 1 MiB among the mutations, and checks that parsing gives a
 * Config or a list of errors: never an exception, never our internal-error
 * fallback, each parse within the time and heap bounds the README states.
 * A sample goes through `config validate --json` in process: exit 0 or 1,
 * JSON out, never a stack trace.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, parseConfigData, type ConfigResult } from '../../src/config/index.js';
import { runCli } from '../support/cli.js';
import { FIXTURES } from '../support/paths.js';
import { aliasBomb } from './alias-bomb.js';

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

const MiB = 1024 * 1024;

const ALIAS_BOMB = aliasBomb();

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

/** Fragments that stress the reader's bounds, inserted whole anywhere; the costly ones rarely. */
const STRESS = fc.oneof(
  { weight: 30, arbitrary: fc.constant(ALIAS_BOMB) },
  {
    weight: 30,
    arbitrary: fc.constantFrom(
      '*typo',
      'peers: *typo\n',
      'address-pools: *x\n',
      '<<: *nowhere\n',
      '&a [*a]',
    ),
  },
  { weight: 30, arbitrary: fc.integer({ min: 1, max: 3000 }).map((depth) => '['.repeat(depth)) },
  {
    weight: 30,
    arbitrary: fc.integer({ min: 1, max: 1500 }).map((depth) => `${'- '.repeat(depth)}x\n`),
  },
  {
    weight: 30,
    arbitrary: fc.constantFrom(
      '0x40',
      '0o100',
      '0b1',
      '64_501',
      '1:0',
      '2:59',
      '24.9',
      '!!binary aGVsbG8=',
    ),
  },
  {
    weight: 10,
    arbitrary: fc.integer({ min: 1, max: 200_000 }).map((length) => 'x'.repeat(length)),
  },
  {
    // Lines each indented one more: up to 1100 levels, about 600 KB.
    weight: 1,
    arbitrary: fc
      .integer({ min: 900, max: 1100 })
      .map((depth) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}- `).join('\n')),
  },
);

/** Grows the text to 64 KiB .. 1 MiB (and a little past it) by repeating a piece of it. */
const grow = fc
  .tuple(
    fc.nat(),
    fc.integer({ min: 1, max: 400 }),
    fc.integer({ min: 64 * 1024, max: MiB + 1024 }),
  )
  .map(([from, length, size]): Mutation => (t) => {
    const start = from % (t.length + 1);
    const piece = t.slice(start, start + length) || '- x\n';
    return (
      t.slice(0, start) +
      piece.repeat(Math.ceil(size / piece.length)).slice(0, size) +
      t.slice(start)
    );
  });

const mutation = fc.oneof(
  { weight: 10_000, arbitrary: mutationWith(TOKENS) },
  {
    weight: 500,
    arbitrary: fc.tuple(fc.nat(), STRESS).map(([at, piece]): Mutation => (t) => {
      const start = at % (t.length + 1);
      return t.slice(0, start) + piece + t.slice(start);
    }),
  },
  { weight: 2, arbitrary: grow },
);

/**
 * The bounds one parse of any text up to 1 MiB is held to. The worst cases
 * built by hand (1 MiB of distinct unknown keys, each an error; 500,000
 * empty list items; a 1 MiB flow list) take under 2 s and 200 MiB of heap
 * on one idle core of the test machine; these leave room for a loaded one.
 */
const PARSE_BOUND_MS = 10_000;
const PARSE_BOUND_HEAP_BYTES = 300 * MiB;

/** How long and how much heap one parse took (heap counted for large texts only, where it can matter). */
function measured<T>(text: string, parse: () => T): { result: T; ms: number; heap: number } {
  const large = text.length > 64 * 1024;
  const heapBefore = large ? process.memoryUsage().heapUsed : 0;
  const started = process.hrtime.bigint();
  const result = parse();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const heap = large ? process.memoryUsage().heapUsed - heapBefore : 0;
  return { result, ms, heap };
}

/** Texts of the mutation test, handed to the CLI test after it. */
const fuzzSample: string[] = [];

describe('config: fuzz', () => {
  it('has valid fixtures to mutate', () => {
    expect(seeds.length).to.be.at.least(10);
  });

  it('never throws on 100,000 mutated configs, each parse within the bounds', function () {
    this.timeout(240_000);
    let valid = 0;
    let invalid = 0;
    let large = 0;
    let slowest = 0;
    let mostHeap = 0;
    const sample: string[] = [];
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, mutations) => {
          const text = mutations.reduce((t, mutate) => mutate(t), seeds[seed] ?? '');
          const { result, ms, heap } = measured(text, () => parseConfig(text));
          slowest = Math.max(slowest, ms);
          mostHeap = Math.max(mostHeap, heap);
          expect(ms, `parse time of a ${text.length}-character text`).to.be.below(PARSE_BOUND_MS);
          expect(heap, 'heap of one parse').to.be.below(PARSE_BOUND_HEAP_BYTES);
          if (text.length > 64 * 1024) large++;
          if (sample.length < 300 && (valid + invalid) % 200 === 0) sample.push(text);
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
      { seed: 20261122, numRuns: 100_000 },
    );
    // Both outcomes occur, and large texts were tried, or the mutations are not exercising the parser.
    expect(valid).to.be.greaterThan(0);
    expect(invalid).to.be.greaterThan(0);
    expect(large).to.be.greaterThan(10);
    console.log(
      `      100,000 parses: slowest ${Math.round(slowest)} ms, most heap ${Math.round(mostHeap / MiB)} MiB, ${large} texts over 64 KiB`,
    );
    fuzzSample.push(...sample);
  });

  it('config validate --json answers a sample of them with exit 0 or 1 and JSON, never a stack trace', async function () {
    this.timeout(120_000);
    expect(fuzzSample.length).to.be.greaterThan(100);
    const folder = mkdtempSync(join(tmpdir(), 'metallb-ts-fuzz-'));
    try {
      for (const [index, text] of fuzzSample.entries()) {
        const file = join(folder, `${index}.yaml`);
        writeFileSync(file, text);
        const ran = await runCli(['config', 'validate', '--json', file]);
        expect(ran.code, ran.stderr).to.be.oneOf([0, 1]);
        expect(ran.stderr).not.to.match(/\n\s+at /);
        expect(ran.stdout + ran.stderr).not.to.include('internal error');
        const answer = JSON.parse(ran.stdout) as { valid: boolean };
        expect(answer.valid).to.equal(ran.code === 0);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
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

/**
 * The config's YAML reading held against v0.9.6's own: go-yaml v2 (v2.4.0)
 * decoding strictly into v0.9.6's config struct (test/lab/go/yamljudge
 * -config). For configs whose scalars are spelt in every way yaml.v2 reads
 * differently from YAML 1.1 or 1.2 (Go's integer prefixes, base 60,
 * fractions, `!!binary`, tags, booleans), with unknown anchors and second
 * documents mixed in, we refuse exactly what v0.9 refuses, and what both
 * accept decodes to the same field values.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { configSchema } from '../../src/config/schema.js';
import { loadYaml } from '../../src/config/source.js';
import { checkStructure } from '../../src/config/structure.js';
import { goYamlJudge, goYamlJudgeAvailable, type GoConfig } from '../support/go-yaml-judge.js';

/** Integer spellings around what resolve.go and decode.go treat apart. */
const integer = fc.oneof(
  fc.nat({ max: 70_000 }).map(String),
  fc.nat({ max: 70_000 }).map((n) => `0x${n.toString(16)}`),
  fc.nat({ max: 70_000 }).map((n) => `0o${n.toString(8)}`),
  fc.nat({ max: 70_000 }).map((n) => `0${n.toString(8)}`),
  fc.nat({ max: 300 }).map((n) => `0b${n.toString(2)}`),
  fc.nat({ max: 70_000 }).map((n) => `${n}`.replace(/(\d)(?=\d)/, '$1_')),
  fc.nat({ max: 70_000 }).map((n) => `${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}`),
  fc.tuple(fc.nat({ max: 70_000 }), fc.nat({ max: 99 })).map(([n, d]) => `${n}.${d}`),
  fc.constantFrom('-0.5', '-1.5', '-1', '1e3', '08', '.5', '4294967296', '4294967295.9'),
  fc.constantFrom('18446744073709551616', '"64501"', '!!str 64501', '!!int "64501"', '+64501'),
  fc.constantFrom('-0x10', '0x', '1_0.5', 'yes', '.inf', '.nan', '!!float 24'),
);

/** String field spellings: plain, numeric, boolean, quoted, tagged, base64. */
const text = fc.oneof(
  fc.constantFrom('secret', '123', 'yes', '0x10', '1:0', '"quoted"', "'single'", '~', '24.9'),
  fc.constantFrom('!!binary aGVsbG8=', '!!binary aGVsbG8', '!!binary c2VjcmV0', '!!str 12'),
  fc.constantFrom('!custom tagged', '!!binary ""', '!!int 12', 'null'),
);

/** A pool name must not be empty for our schema (v0.9 refuses an empty one later, in its own checks). */
const name = text.filter((spelling) => !['~', 'null', '!!binary ""'].includes(spelling));

const boolean = fc.constantFrom(
  'yes',
  'no',
  'on',
  'off',
  'true',
  'y',
  'n',
  'True',
  '"true"',
  '1',
  '~',
);

const config = fc
  .record({
    myAsn: integer,
    peerAsn: integer,
    port: fc.option(integer),
    password: fc.option(text),
    autoAssign: fc.option(boolean),
    aggregation: fc.option(integer),
    localPref: fc.option(integer),
    name,
    tail: fc.constantFrom(
      '',
      '',
      '',
      '---\npeers: *typo\n',
      '---\n[unclosed\n',
      '...\n',
      '--- {}\n',
    ),
    typo: fc.constantFrom(null, null, null, null, 'password', 'name'),
  })
  .map((c) => {
    const lines = [
      'peers:',
      `- my-asn: ${c.myAsn}`,
      `  peer-asn: ${c.peerAsn}`,
      '  peer-address: 192.0.2.1',
    ];
    if (c.port !== null) lines.push(`  peer-port: ${c.port}`);
    if (c.password !== null || c.typo === 'password')
      lines.push(`  password: ${c.typo === 'password' ? '*nope' : c.password}`);
    lines.push('address-pools:', `- name: ${c.typo === 'name' ? '*nope' : c.name}`);
    lines.push('  protocol: bgp', '  addresses: [192.0.2.0/24]');
    if (c.autoAssign !== null) lines.push(`  auto-assign: ${c.autoAssign}`);
    if (c.aggregation !== null || c.localPref !== null) {
      lines.push('  bgp-advertisements:', '  - communities: []');
      if (c.aggregation !== null) lines.push(`    aggregation-length: ${c.aggregation}`);
      if (c.localPref !== null) lines.push(`    localpref: ${c.localPref}`);
    }
    return `${lines.join('\n')}\n${c.tail}`;
  });

/** The fields compared, as v0.9's struct holds them (absent: Go's zero value, nil for pointers). */
interface Fields {
  myAsn: unknown;
  peerAsn: unknown;
  port: unknown;
  password: unknown;
  name: unknown;
  autoAssign: unknown;
  aggregation: unknown;
  localPref: unknown;
}

function goFields(config: GoConfig): Fields {
  const peer = config.peers?.[0] ?? {};
  const pool = config['address-pools']?.[0] ?? {};
  const ads = pool['bgp-advertisements'] as Record<string, unknown>[] | null | undefined;
  return {
    myAsn: peer['my-asn'],
    peerAsn: peer['peer-asn'],
    port: peer['peer-port'],
    password: peer['password'],
    name: pool['name'],
    autoAssign: pool['auto-assign'],
    aggregation: ads?.[0]?.['aggregation-length'] ?? null,
    localPref: ads?.[0]?.['localpref'] ?? null,
  };
}

/** Our reading of the same text, or null where we refuse it (YAML or structure). */
function ourFields(text: string): Fields | null {
  const loaded = loadYaml(text, configSchema);
  if (!loaded.ok) return null;
  if (checkStructure(loaded.value, loaded.lines).length > 0) return null;
  const value = loaded.value as Record<string, Record<string, unknown>[] | undefined>;
  const peer = value['peers']?.[0] ?? {};
  const pool = value['address-pools']?.[0] ?? {};
  const ads = pool['bgp-advertisements'] as Record<string, unknown>[] | undefined;
  return {
    myAsn: peer['my-asn'] ?? 0,
    peerAsn: peer['peer-asn'] ?? 0,
    port: peer['peer-port'] ?? 0,
    password: peer['password'] ?? '',
    name: pool['name'] ?? '',
    autoAssign: pool['auto-assign'] ?? null,
    aggregation: ads?.[0]?.['aggregation-length'] ?? null,
    localPref: ads?.[0]?.['localpref'] ?? null,
  };
}

describe('config: YAML read as v0.9.6 reads it (go-yaml v2 as the judge)', function () {
  this.timeout(180_000);

  before(function () {
    // Reported as skipped where Debian's golang-go or golang-gopkg-yaml.v2-dev is missing.
    if (!goYamlJudgeAvailable()) this.skip();
  });

  it('refuses what v0.9 refuses and reads the same values, over 1,500 configs', async () => {
    const texts = fc.sample(config, { numRuns: 1_500, seed: 20 });
    const verdicts = await goYamlJudge(texts, true);
    expect(verdicts).to.have.length(texts.length);
    let accepted = 0;
    texts.forEach((text, i) => {
      const go = verdicts[i];
      const ours = ourFields(text);
      const context = `config ${i}:\n${text}\nyaml.v2: ${JSON.stringify(go)}`;
      expect(ours !== null, context).to.equal(go?.ok === true);
      if (ours === null || go?.config === undefined) return;
      accepted++;
      expect(ours, context).to.deep.equal(goFields(go.config));
    });
    // Both answers occur often, so the comparison means something.
    expect(accepted).to.be.above(100);
    expect(texts.length - accepted).to.be.above(300);
  });
});

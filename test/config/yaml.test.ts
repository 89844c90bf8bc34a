/**
 * The config's YAML read as v0.9 read it: gopkg.in/yaml.v2 v2.4.0 (pinned by
 * v0.9.6's go.mod) through yaml.UnmarshalStrict into the structs of v0.9.6
 * internal/config/config.go. Every expectation here is what that code does,
 * read from its source (resolve.go, decode.go, scannerc.go), not what ours
 * printed.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ConfigResult } from '../../src/config/index.js';
import { decodeGoInt, resolvePlain } from '../../src/goyaml/index.js';
import { runCli } from '../support/cli.js';
import { aliasBomb } from './alias-bomb.js';

const peer = (fields: string): string =>
  `peers:\n- peer-address: 192.0.2.1\n${fields
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n`;

function ok(text: string): Extract<ConfigResult, { ok: true }> {
  const result = parseConfig(text);
  if (!result.ok) expect.fail(JSON.stringify(result.errors));
  return result;
}

function failed(text: string): Extract<ConfigResult, { ok: false }>['errors'] {
  const result = parseConfig(text);
  if (result.ok)
    expect.fail(`expected errors, got a config; warnings ${JSON.stringify(result.warnings)}`);
  return result.errors;
}

describe('config/yaml: aliases as yaml.v2 reads them', () => {
  it('refuses an alias to an unknown anchor with its key and line (0 peers before)', () => {
    // yaml.v2 parserc/decode: "unknown anchor 'typo' referenced".
    const peers = failed('address-pools: []\npeers: *typo\n');
    expect(peers.map(({ path, line }) => ({ path, line }))).to.deep.equal([
      { path: 'peers', line: 2 },
    ]);
    expect(peers[0]?.message).to.include("unknown anchor 'typo' referenced");
    expect(failed('address-pools: *x\n')[0]).to.include({ path: 'address-pools', line: 1 });
    // An anchor defined after the alias is unknown where the alias stands.
    expect(failed('peers: *p\nx: &p []\n')[0]?.message).to.include("unknown anchor 'p'");
  });

  it('refuses a 521-byte alias bomb at once, as yaml.v2 does ("excessive aliasing")', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    const started = process.hrtime.bigint();
    const errors = failed(text);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(errors).to.have.length(1);
    expect(errors[0]?.message).to.include('document contains excessive aliasing');
    expect(ms, 'refused before expanding').to.be.below(200);
  });

  it('keeps aliases that pass go-yaml rule: shared selectors and merge keys', () => {
    const text =
      'peers:\n- &p\n  peer-address: 192.0.2.1\n  peer-asn: 64501\n  my-asn: 64500\n' +
      '  node-selectors: &s [{match-labels: {rack: r1}}]\n' +
      '- <<: *p\n  peer-address: 192.0.2.2\n  node-selectors: *s\n';
    const config = ok(text).config;
    expect(config.peers.map((p) => p.nodeSelectors[0]?.matchLabels)).to.deep.equal([
      { rack: 'r1' },
      { rack: 'r1' },
    ]);
  });
});

describe('config/yaml: bounds', () => {
  it('refuses a text larger than a ConfigMap holds (1 MiB) before reading it', () => {
    const text = `# ${'x'.repeat(1024 * 1024)}\n`;
    const [error] = failed(text);
    expect(error?.message).to.include('more than a ConfigMap can hold');
    // Exactly 1 MiB is read (here: a comment, an empty config).
    ok(`# ${'x'.repeat(1024 * 1024 - 3)}\n`);
  });

  it('refuses 550 KB of nested "- " lines with a line instead of crashing', () => {
    // 502 KB of such lines crashed Node inside the `yaml` library (RegExpCompiler allocation).
    let text = '';
    for (let depth = 0; depth <= 1050; depth++) text += `${' '.repeat(depth)}- \n`;
    const [error] = failed(text);
    expect(error?.message).to.match(/nest deeper than 1000 levels/);
    expect(error?.line).to.be.a('number');
  });

  it('refuses aliases that stand for more than 8 MiB of text (a deliberate bound yaml.v2 does not have)', () => {
    // go-yaml's rule counts nodes: 20 aliases of a 512 KiB string pass it, and stand for 10 MiB.
    const peers = (count: number): string => {
      const long = 'x'.repeat(512 * 1024);
      let text = `peers:\n- &p {my-asn: 1, peer-asn: 2, peer-address: 192.0.2.1, password: ${long}}\n`;
      for (let i = 2; i <= count; i++) text += `- {<<: *p, peer-address: 192.0.2.${i}}\n`;
      return text;
    };
    const [error] = failed(peers(20));
    expect(error?.message).to.include('too large once its aliases are expanded');
    // Half as many pass.
    expect(ok(peers(10)).config.peers).to.have.length(10);
  });

  it('refuses flow nesting past 1000 levels (yaml.v2 stops at 10000, v0.9 accepts no config nested past 7)', () => {
    const [error] = failed(`a: ${'['.repeat(1001)}${']'.repeat(1001)}\n`);
    expect(error).to.include({ line: 1 });
    expect(error?.message).to.match(/nest deeper than 1000 levels/);
  });
});

describe('config/yaml: scalars as yaml.v2 resolves them into v0.9 fields', () => {
  it('reads integers with Go base-0 rules after dropping `_` (resolve.go: strconv.ParseInt(plain, 0, 64))', () => {
    const cases: [string, number][] = [
      ['0x40', 64],
      ['0o100', 64],
      ['0b1', 1],
      ['0100', 64],
      ['64_501', 64501],
      ['+64501', 64501],
      ['0x_FB_F5', 64501],
    ];
    for (const [written, value] of cases) {
      const result = ok(peer(`my-asn: 64500\npeer-asn: ${written}`));
      expect(result.config.peers[0]?.peerAsn, written).to.equal(value);
      if (written !== '+64501') {
        expect(
          result.warnings.map((w) => [w.path, w.line]),
          written,
        ).to.deep.equal([['peers[0].peer-asn', 4]]);
        expect(result.warnings[0]?.message).to.include(`\`${written}\` is read as ${value}`);
      } else expect(result.warnings).to.deep.equal([]);
    }
  });

  it('does not read base-60 forms as numbers (resolve.go: "purposefully unsupported")', () => {
    for (const written of ['1:0', '2:59']) {
      const [error] = failed(peer(`my-asn: 64500\npeer-asn: ${written}`));
      expect(error).to.include({ path: 'peers[0].peer-asn', line: 4 });
      expect(error?.message).to.include(`the string "${written}"`);
    }
  });

  it('truncates a fraction into an integer field, with a warning (decode.go: int64(float))', () => {
    const text =
      'address-pools:\n- name: a\n  protocol: bgp\n  addresses: [192.0.2.0/24]\n' +
      '  bgp-advertisements:\n  - aggregation-length: 24.9\n';
    const result = ok(text);
    expect(result.config.pools[0]?.bgpAdvertisements[0]?.aggregationLength).to.equal(24);
    expect(result.warnings.map((w) => [w.path, w.line])).to.deep.equal([
      ['address-pools[0].bgp-advertisements[0].aggregation-length', 6],
    ]);
    expect(result.warnings[0]?.message).to.include('truncates it to 24');
    const asn = ok(peer('my-asn: 64500\npeer-asn: 64501.7'));
    expect(asn.config.peers[0]?.peerAsn).to.equal(64501);
  });

  it('refuses what decode.go refuses for a Go integer field', () => {
    // A negative float into uint32 passes through int64 and overflows; a float above the field too.
    expect(failed(peer('my-asn: 64500\npeer-asn: -1.5'))[0]).to.include({
      path: 'peers[0].peer-asn',
    });
    expect(failed(peer('my-asn: 64500\npeer-asn: 4294967296.5'))[0]).to.include({
      path: 'peers[0].peer-asn',
    });
    // A quoted number is a string: yaml.v2 gives a string to no integer field.
    expect(failed(peer('my-asn: 64500\npeer-asn: "64501"'))[0]).to.include({
      path: 'peers[0].peer-asn',
    });
  });

  it('decodes !!binary into a string field, with a warning (decode.go: base64.StdEncoding)', () => {
    const result = ok(peer('my-asn: 64500\npeer-asn: 64501\npassword: !!binary aGVsbG8='));
    expect(result.config.peers[0]?.password).to.equal('hello');
    expect(result.warnings.map((w) => [w.path, w.line])).to.deep.equal([['peers[0].password', 5]]);
    expect(result.warnings[0]?.message).not.to.include('hello');
    const [error] = failed(peer('my-asn: 64500\npeer-asn: 64501\npassword: !!binary aGVsbG8'));
    expect(error?.message).to.include('invalid base64');
    // A deliberate difference: bytes that are not UTF-8 become U+FFFD here, and the warning says so.
    const latin = ok(peer('my-asn: 64500\npeer-asn: 64501\npassword: !!binary /w=='));
    expect(latin.config.peers[0]?.password).to.equal('\ufffd');
    expect(latin.warnings[0]?.message).to.include('not UTF-8');
  });

  it('reads the first of several documents and warns on the second (yaml.Unmarshal reads one)', () => {
    const text =
      'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n---\npeers: *broken\n';
    const result = ok(text);
    expect(result.config.pools.map((p) => p.name)).to.deep.equal(['a']);
    expect(result.warnings.map((w) => [w.path, w.line])).to.deep.equal([['', 5]]);
    // A syntax error past the marker is never read by v0.9 either.
    const broken = ok('address-pools: []\n---\n[unclosed\n');
    expect(broken.warnings.map((w) => w.line)).to.deep.equal([2]);
    // A syntax error in the first document is still one.
    expect(failed('address-pools: [\n---\npeers: []\n')[0]?.message).to.match(/YAML syntax error/);
  });
});

describe('goyaml: resolve.go and decode.go', () => {
  it('resolves plain scalars as resolve.go does', () => {
    const kinds = (text: string): string => resolvePlain(text).kind;
    expect(['y', 'Yes', 'ON', 'off', 'n', 'FALSE'].map(kinds)).to.deep.equal(Array(6).fill('bool'));
    expect(['', '~', 'null', 'NULL'].map(kinds)).to.deep.equal(Array(4).fill('null'));
    expect(['1:0', '0x', '0o8', '_1', '1__0x', '<<', 'yes please'].map(kinds)).to.deep.equal(
      Array(7).fill('str'),
    );
    // "08" fails ParseInt (not octal) but matches yamlStyleFloat: 8.0.
    expect(resolvePlain('08')).to.deep.equal({ kind: 'float', value: 8 });
    expect(resolvePlain('.5')).to.deep.equal({ kind: 'float', value: 0.5 });
    expect(resolvePlain('1e400').kind, 'ParseFloat range error').to.equal('str');
    // Above int64: ParseUint's uint64; above that: a float.
    expect(resolvePlain('18446744073709551615')).to.deep.equal({
      kind: 'int',
      value: 18446744073709551615n,
    });
    expect(resolvePlain('18446744073709551616').kind).to.equal('float');
    expect(resolvePlain('-0x40')).to.deep.equal({ kind: 'int', value: -64n });
  });

  it('puts floats into Go integer fields as Go converts them on amd64', () => {
    const float = (value: number): { kind: 'float'; value: number } => ({ kind: 'float', value });
    expect(decodeGoInt(float(24.9), 'int')).to.deep.equal({ ok: true, value: 24, truncated: true });
    expect(decodeGoInt(float(-0.5), 'uint32')).to.deep.equal({
      ok: true,
      value: 0,
      truncated: true,
    });
    expect(decodeGoInt(float(65535.9), 'uint16')).to.deep.include({ ok: true, value: 65535 });
    expect(decodeGoInt(float(65536), 'uint16').ok).to.equal(false);
    expect(decodeGoInt(float(NaN), 'int').ok).to.equal(false);
    expect(decodeGoInt(float(-Infinity), 'int')).to.deep.include({ ok: true, value: -(2 ** 63) });
    expect(decodeGoInt({ kind: 'int', value: -1n }, 'uint32').ok).to.equal(false);
    expect(decodeGoInt({ kind: 'bool', value: true }, 'int').ok).to.equal(false);
  });
});

describe('config/yaml: config validate on a ConfigMap manifest', () => {
  const manifest = (data: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: metallb-system\ndata:\n${data}`;

  async function validate(text: string): Promise<{ code: number; out: string; errors: unknown }> {
    const folder = mkdtempSync(join(tmpdir(), 'metallb-ts-yaml-'));
    try {
      const file = join(folder, 'config.yaml');
      writeFileSync(file, text);
      const ran = await runCli(['config', 'validate', '--json', file]);
      const answer = JSON.parse(ran.stdout) as { errors?: unknown };
      return { code: ran.code, out: ran.stdout + ran.stderr, errors: answer.errors };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  it('refuses `peers: *typo` inside data.config with its line in the manifest (it said valid, 0 pools)', async () => {
    const ran = await validate(manifest('  config: |\n    peers: *typo\n'));
    expect(ran.code).to.equal(1);
    expect(ran.errors).to.deep.include({
      path: 'peers',
      line: 8,
      message:
        "the alias *typo names no anchor (&typo) written before it: v0.9 refuses it too (yaml.v2: unknown anchor 'typo' referenced)",
    });
  });

  it('refuses an unknown anchor or an alias bomb in the manifest itself without a stack trace', async () => {
    for (const text of [
      manifest('  config: *typo\n'),
      `${manifest('  config: ""\n')}${aliasBomb()
        .replace(/^/gm, '  ')
        .replace(/^ {2}a0/, 'bomb:\n  a0')}`,
    ]) {
      const ran = await validate(text);
      expect(ran.code, ran.out).to.equal(1);
      expect(ran.out).not.to.match(/ReferenceError|Excessive alias count|\n\s+at /);
    }
  });
});

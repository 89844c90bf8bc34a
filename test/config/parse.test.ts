/**
 * parseConfig behaviours that the fixture corpus does not pin down one by
 * one: how YAML is read (as v0.9's yaml.v2 read it), where errors point,
 * and that every error is found in one pass.
 */
import { expect } from 'chai';
import { configView, parseConfig, type Config, type ConfigError } from '../../src/config/index.js';
import { formatIP } from '../../src/ip/index.js';

function valid(text: string): Config {
  const result = parseConfig(text);
  if (!result.ok) expect.fail(`expected a valid config: ${JSON.stringify(result.errors)}`);
  return result.config;
}

function errors(text: string): readonly ConfigError[] {
  const result = parseConfig(text);
  if (result.ok) expect.fail('expected errors');
  return result.errors;
}

const pool = (extra: string): string =>
  `address-pools:\n- name: p\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n${extra}`;

describe('config/parse: reading YAML as v0.9 did', () => {
  it('takes YAML 1.1 booleans (yes, no, on, off)', () => {
    const config = valid(pool('  auto-assign: no\n  avoid-buggy-ips: on\n'));
    expect(config.pools[0]?.autoAssign).to.equal(false);
    expect(config.pools[0]?.avoidBuggyIps).to.equal(true);
  });

  it('reads any scalar as its literal text where v0.9 had a string', () => {
    const config = valid(
      'peers:\n- my-asn: 64500\n  peer-asn: 64501\n  peer-address: 203.0.113.1\n  password: 012345\n' +
        '  node-selectors:\n  - match-labels: {rack: 1, ssd: yes}\n' +
        'address-pools:\n- name: 2024\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n',
    );
    expect(config.pools[0]?.name).to.equal('2024');
    expect(config.peers[0]?.password, 'not the octal number 5349').to.equal('012345');
    expect(config.peers[0]?.nodeSelectors[0]?.matchLabels).to.deep.equal({ rack: '1', ssd: 'yes' });
  });

  it('rejects a quoted number where v0.9 had an integer', () => {
    const [error, ...rest] = errors(
      'peers:\n- my-asn: "64500"\n  peer-asn: 64501\n  peer-address: 203.0.113.1\n',
    );
    expect(rest).to.have.length(0);
    expect(error).to.include({ path: 'peers[0].my-asn', line: 2 });
    expect(error?.message).to.include('whole number');
  });

  it('treats a key with an empty value as absent (a Go zero value)', () => {
    const config = valid(pool('  auto-assign:\n'));
    expect(config.pools[0]?.autoAssign).to.equal(true);
    const [missing] = errors(
      'address-pools:\n- name: ~\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n',
    );
    expect(missing).to.include({ path: 'address-pools[0].name', line: 2 });
  });

  it('follows anchors, aliases and merge keys', () => {
    const config = valid(
      'address-pools:\n- &base\n  name: a\n  protocol: bgp\n  addresses: [192.0.2.0/24]\n' +
        '- <<: *base\n  name: b\n  addresses: [198.51.100.0/24]\n',
    );
    expect(config.pools.map((p) => [p.name, p.protocol])).to.deep.equal([
      ['a', 'bgp'],
      ['b', 'bgp'],
    ]);
  });

  it('accepts an empty document as an empty config, as v0.9 did', () => {
    for (const text of ['', '\n', '# nothing yet\n', '---\n']) {
      const config = valid(text);
      expect(configView(config)).to.deep.equal({ pools: [], peers: [] });
    }
  });

  it('refuses a document that is not a mapping', () => {
    for (const text of ['- a\n- b\n', 'just text\n', '42\n']) {
      const [error] = errors(text);
      expect(error).to.include({ path: '', line: 1 });
    }
  });

  it('stops an alias bomb instead of expanding it', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) {
      const ref = `*a${i - 1}`;
      text += `a${i}: &a${i} [${Array(10).fill(ref).join(', ')}]\n`;
    }
    const result = parseConfig(text);
    expect(result.ok).to.equal(false);
  });

  it('refuses an alias inside the value it stands for, as yaml.v2 did, by its place', () => {
    // yaml.v2: "anchor 'p' value contains itself"; the alias is on line 4, a merge on line 3.
    const nested = errors('address-pools:\n- &p\n  name: x\n  protocol: *p\n');
    expect(nested.map(({ path, line }) => ({ path, line }))).to.deep.equal([
      { path: 'address-pools[0].protocol', line: 4 },
    ]);
    expect(nested[0]?.message).to.include('*p stands for a value that contains it');
    const merged = errors('peers:\n- &q\n  <<: *q\n');
    expect(merged.map(({ path, line }) => ({ path, line }))).to.deep.equal([
      { path: 'peers[0]', line: 3 },
    ]);
  });
});

describe('config/parse: where errors point', () => {
  it('points at the dash of a list item that starts with a comment', () => {
    const text =
      'peers:\n- # the core router\n  my-asn: 64500\n  peer-asn: 64501\n  peer-address: 203.0.113.1\n' +
      '- # the same again\n  my-asn: 64500\n  peer-asn: 64501\n  peer-address: 203.0.113.1\n';
    // A repeated peer is a warning (v0.9 accepted it); it points where an error would.
    const result = parseConfig(text);
    expect(result.ok && result.warnings[0]).to.include({ path: 'peers[1]', line: 6 });
  });

  it('points at a missing key through its mapping', () => {
    const [error] = errors('address-pools:\n- name: a\n  addresses: [192.0.2.0/24]\n');
    expect(error).to.include({ path: 'address-pools[0].protocol', line: 2 });
  });

  it('quotes keys that are not plain words', () => {
    const [error] = errors(
      'peers:\n- my-asn: 64500\n  peer-asn: 64501\n  peer-address: 203.0.113.1\n  node-selectors:\n  - match-labels:\n      "kubernetes.io/host name": x\n',
    );
    expect(error).to.include({
      path: 'peers[0].node-selectors[0].match-labels["kubernetes.io/host name"]',
      line: 7,
    });
  });

  it('shifts lines by lineOffset for a config embedded in a larger file', () => {
    const result = parseConfig(
      'address-pools:\n- name: a\n  protocol: layer3\n  addresses: [192.0.2.0/24]\n',
      {
        lineOffset: 6,
      },
    );
    expect(result.ok).to.equal(false);
    if (!result.ok)
      expect(result.errors[0]).to.include({ path: 'address-pools[0].protocol', line: 9 });
  });

  it('finds every mistake in one pass, in line order', () => {
    const text = [
      'peers:',
      '- my-asn: 0', // 2
      '  peer-asn: 64501',
      '  peer-address: 203.0.113.1',
      '  hold-time: 2s', // 5
      'bgp-communities:',
      '  bad: 1:2:3', // 7
      'address-pools:',
      '- name: a',
      '  protocol: layer2',
      '  addresses: [192.0.2.0/24]',
      '- name: a', // 12
      '  protocol: bgp',
      '  addresses:',
      '  - 192.0.2.128/25', // 15
      '  bgp-advertisements:',
      '  - aggregation-length: 33', // 17
      '    communities: [nope]', // 18
      '',
    ].join('\n');
    expect(errors(text).map((e) => [e.path, e.line])).to.deep.equal([
      ['peers[0].my-asn', 2],
      ['peers[0].hold-time', 5],
      ['bgp-communities.bad', 7],
      ['address-pools[1].bgp-advertisements[0].aggregation-length', 17],
      ['address-pools[1].bgp-advertisements[0].communities[0]', 18],
    ]);
  });

  it('checks names and overlaps once the pools themselves are valid', () => {
    const text =
      'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n' +
      '- name: a\n  protocol: layer2\n  addresses: [192.0.2.128/25]\n';
    expect(errors(text).map((e) => [e.path, e.line])).to.deep.equal([
      ['address-pools[1].name', 5],
      ['address-pools[1].addresses[0]', 7],
    ]);
  });
});

describe('config/parse: v0.9 rules', () => {
  const peer = (extra: string): string =>
    `peers:\n- my-asn: 64500\n  peer-asn: 64501\n  peer-address: 203.0.113.1\n${extra}`;

  it('truncates hold-time to whole seconds and keeps 0', () => {
    expect(valid(peer('  hold-time: 3.9s\n')).peers[0]?.holdTimeSeconds).to.equal(3);
    expect(valid(peer('  hold-time: 1m30s\n')).peers[0]?.holdTimeSeconds).to.equal(90);
    expect(valid(peer('  hold-time: "0"\n')).peers[0]?.holdTimeSeconds).to.equal(0);
    expect(valid(peer('')).peers[0]?.holdTimeSeconds).to.equal(90);
  });

  it('refuses hold times v0.9 refused', () => {
    for (const holdTime of ['2.5s', '1s', '-90s', '90']) {
      const [error] = errors(peer(`  hold-time: ${holdTime}\n`));
      expect(error, holdTime).to.include({ path: 'peers[0].hold-time', line: 5 });
    }
  });

  it('defaults the port and keeps the router id', () => {
    const config = valid(peer('  peer-port: 0\n  router-id: 192.0.2.1\n'));
    expect(config.peers[0]?.port).to.equal(179);
    expect(config.peers[0]?.routerId && formatIP(config.peers[0].routerId)).to.equal('192.0.2.1');
  });

  it('canonicalises an IPv6 peer address', () => {
    const config = valid(
      'peers:\n- my-asn: 64500\n  peer-asn: 64501\n  peer-address: 2001:DB8:0:0::1\n',
    );
    expect(config.peers[0] && formatIP(config.peers[0].address)).to.equal('2001:db8::1');
  });

  it('resolves community aliases before literal values and sorts them', () => {
    const config = valid(
      'bgp-communities:\n  no-export: 65535:65281\n  "1:1": 2:2\n' +
        'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [192.0.2.0/24]\n' +
        '  bgp-advertisements:\n  - communities: [no-export, "1:1", 64500:1, 64500:1]\n',
    );
    expect(configView(config).pools[0]?.bgpAdvertisements[0]?.communities).to.deep.equal([
      '2:2',
      '64500:1',
      '65535:65281',
    ]);
  });

  it('gives a bgp pool the default advertisement, unchecked, as v0.9', () => {
    const config = valid(
      'address-pools:\n- name: v6\n  protocol: bgp\n  addresses: [2001:db8::/64]\n',
    );
    expect(config.pools[0]?.bgpAdvertisements).to.deep.equal([
      { aggregationLength: 32, aggregationLengthV6: null, localPref: 0, communities: [] },
    ]);
  });

  it('rejects an explicit advertisement on an IPv6 bgp pool as v0.9 does, unless it opts in with aggregation-length-v6', () => {
    const pool =
      'address-pools:\n- name: dual\n  protocol: bgp\n  addresses: [192.0.2.0/26, 2001:db8:203::/120]\n';
    const [v09] = errors(`${pool}  bgp-advertisements:\n  - localpref: 100\n`);
    expect(v09).to.include({ path: 'address-pools[0].bgp-advertisements[0]', line: 6 });
    expect(v09?.message).to.include('2001:db8:203::/120').and.include('aggregation-length-v6');

    const optedIn = valid(`${pool}  bgp-advertisements:\n  - aggregation-length-v6: 124\n`);
    expect(optedIn.pools[0]?.bgpAdvertisements).to.deep.equal([
      { aggregationLength: 32, aggregationLengthV6: 124, localPref: 0, communities: [] },
    ]);

    const [tooShort] = errors(`${pool}  bgp-advertisements:\n  - aggregation-length-v6: 119\n`);
    expect(tooShort).to.include({
      path: 'address-pools[0].bgp-advertisements[0].aggregation-length-v6',
      line: 6,
    });
    expect(tooShort?.message).to.include('at least 120');
    const [outOfRange] = errors(`${pool}  bgp-advertisements:\n  - aggregation-length-v6: 129\n`);
    expect(outOfRange?.message).to.include('between 0 and 128');
    // The IPv4 length still applies to the IPv4 prefixes.
    const [v4] = errors(
      `${pool}  bgp-advertisements:\n  - aggregation-length: 25\n    aggregation-length-v6: 128\n`,
    );
    expect(v4?.message).to.include('192.0.2.0/26');
  });

  it('checks an aggregation length against every prefix of the pool', () => {
    const text = (length: number): string =>
      'address-pools:\n- name: p\n  protocol: bgp\n  addresses: [192.0.2.0/24, 198.51.100.0/26]\n' +
      `  bgp-advertisements:\n  - aggregation-length: ${length}\n`;
    expect(valid(text(26)).pools[0]?.bgpAdvertisements[0]?.aggregationLength).to.equal(26);
    const [error] = errors(text(25));
    expect(error).to.include({
      path: 'address-pools[0].bgp-advertisements[0].aggregation-length',
      line: 6,
    });
    expect(error?.message).to.include('198.51.100.0/26');
  });
});

/**
 * Text that v0.9.6 accepted though it is probably not meant so: metallb-ts
 * accepts it with v0.9's meaning and says so in a warning. Each expectation
 * is v0.9.6's behaviour as its code reads (cited), not our output.
 */
import { expect } from 'chai';
import {
  configView,
  parseConfig,
  type ConfigWarning,
  type PeerView,
  type PoolView,
} from '../../src/config/index.js';

function accepted(text: string): {
  pools: PoolView[];
  peers: PeerView[];
  warnings: readonly ConfigWarning[];
} {
  const result = parseConfig(text);
  if (!result.ok) expect.fail(`expected a valid config: ${JSON.stringify(result.errors)}`);
  return { ...configView(result.config), warnings: result.warnings };
}

function refused(text: string): string[] {
  const result = parseConfig(text);
  if (result.ok) expect.fail(`expected errors, got ${JSON.stringify(configView(result.config))}`);
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

const pool = (addresses: string, extra = ''): string =>
  `address-pools:\n- name: p\n  protocol: layer2\n  addresses: [${addresses}]\n${extra}`;
const bgpPool = (addresses: string, length: number): string =>
  `address-pools:\n- name: p\n  protocol: bgp\n  addresses: [${addresses}]\n` +
  `  bgp-advertisements:\n  - aggregation-length: ${length}\n`;
const peer = (extra: string, address = '203.0.113.1'): string =>
  `- my-asn: 64500\n  peer-asn: 64501\n  peer-address: ${address}\n${extra}`;
const peers = (...items: string[]): string => `peers:\n${items.join('')}`;

describe('config: ranges that cover no address (v0.9.6 config.go parseCIDR, ipaddr.Summarize)', () => {
  it('accepts a range written end first, warns on its line, and it adds no address', () => {
    const { pools, warnings } = accepted(pool('172.21.11.2-172.20.11.254, 192.0.2.0/30'));
    expect(pools[0]?.cidrs).to.deep.equal(['192.0.2.0/30']);
    expect(pools[0]?.addresses).to.equal('4');
    expect(warnings).to.deep.equal([
      {
        path: 'address-pools[0].addresses[0]',
        line: 4,
        message:
          'the range 172.21.11.2-172.20.11.254 ends before it starts: v0.9 accepts it and it covers no address (written the other way round, 172.20.11.254-172.21.11.2, it would cover 65285)',
      },
    ]);
  });

  it('accepts a pool left with no address, as v0.9 (its allocator finds none there)', () => {
    const { pools, warnings } = accepted(pool('192.0.2.9-192.0.2.1, 192.0.2.1-2001:db8::1'));
    expect(pools[0]).to.include({ name: 'p', addresses: '0' });
    expect(pools[0]?.cidrs).to.deep.equal([]);
    expect(warnings.map((w) => w.path)).to.deep.equal([
      'address-pools[0].addresses[0]',
      'address-pools[0].addresses[1]',
      'address-pools[0].addresses',
    ]);
    expect(warnings[2]?.message).to.include('never allocates from it');
  });

  it('takes any aggregation length up to 32 for a bgp pool without prefixes, as v0.9 checked it only against them', () => {
    // parseBGPAdvertisements: `> 32` is refused; below 0 only fails `AggregationLength < o` per CIDR.
    const empty = '192.0.2.9-192.0.2.1';
    expect(accepted(bgpPool(empty, -1)).pools[0]?.bgpAdvertisements[0]?.aggregationLength).to.equal(
      -1,
    );
    expect(refused(bgpPool(empty, 33))[0]).to.include('between 0 and 32');
    expect(refused(bgpPool('192.0.2.0/24', -1))[0]).to.include('between 0 and 32');
  });

  it('does not count an empty range in the overlap checks (v0.9 compared prefixes only)', () => {
    accepted(pool('192.0.2.0/24, 192.0.2.9-192.0.2.1'));
  });
});

describe('config: repeated peers (v0.9.6 config.go keeps every entry; bgp_controller.go opens one session each)', () => {
  it('keeps two identical peers, in order, and warns at the second', () => {
    const { peers: kept, warnings } = accepted(peers(peer(''), peer('  hold-time: 90s\n')));
    expect(kept).to.have.length(2);
    expect(kept[0]).to.deep.equal(kept[1]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include({ path: 'peers[1]', line: 5 });
    expect(warnings[0]?.message).to.include('repeats peers[0] in every setting');
  });

  it('warns when the same router is dialled from the same nodes with other settings', () => {
    const { peers: kept, warnings } = accepted(peers(peer(''), peer('').replace('64500', '64502')));
    expect(kept.map((p) => p.myAsn)).to.deep.equal([64500, 64502]);
    expect(warnings[0]).to.include({ path: 'peers[1]' });
    expect(warnings[0]?.message).to.include('address, port and node selectors of peers[0]');
  });

  it('says nothing of the same router for other nodes, or on another port', () => {
    const rack = (name: string): string =>
      `  node-selectors:\n  - match-labels:\n      rack: ${name}\n`;
    expect(accepted(peers(peer(rack('a')), peer(rack('b')))).warnings).to.deep.equal([]);
    expect(accepted(peers(peer(''), peer('  peer-port: 1179\n'))).warnings).to.deep.equal([]);
  });
});

describe('config: hold-time above 65535 s (v0.9.6 config.go parseHoldTime, internal/bgp sendOpen)', () => {
  // sendOpen writes uint16(holdTime.Seconds()): through a 32-bit integer on amd64, so the
  // seconds modulo 65536, and 0 from 2^31 s on. That is the hold time the peer negotiates with.
  const cases: [string, number][] = [
    ['65535s', 65535],
    ['65536s', 0],
    ['70000s', 4464],
    ['18h12m19s', 3],
    ['596523h14m8s', 0],
  ];
  for (const [text, sent] of cases) {
    it(`reads ${text} as the ${sent}s v0.9 put in its OPEN`, () => {
      const { peers: kept, warnings } = accepted(peers(peer(`  hold-time: ${text}\n`)));
      expect(kept[0]?.holdTimeSeconds).to.equal(sent);
      if (text === '65535s') expect(warnings).to.deep.equal([]);
      else {
        expect(warnings[0]).to.include({ path: 'peers[0].hold-time', line: 5 });
        expect(warnings[0]?.message).to.include(`proposes ${sent}s`);
      }
    });
  }

  it('proposes 3s where v0.9 proposed 1s or 2s, which peers refuse (a deliberate difference)', () => {
    // 65537 s: uint16 gives 1; RFC 4271 section 6.2: the peer refuses the OPEN, v0.9 never peers.
    const { peers: kept, warnings } = accepted(peers(peer('  hold-time: 65537s\n')));
    expect(kept[0]?.holdTimeSeconds).to.equal(3);
    expect(warnings[0]?.message).to.include('proposes 1s').and.include('metallb-ts proposes 3s');
  });
});

describe('config: router-id v0.9 dropped (v0.9.6 internal/bgp New keeps routerID.To4())', () => {
  it('reads an IPv6 router-id as none: the speaker picks the router ID', () => {
    const { peers: kept, warnings } = accepted(peers(peer('  router-id: 2001:db8::2\n')));
    expect(kept[0]?.routerId).to.equal(null);
    expect(warnings[0]).to.include({ path: 'peers[0].router-id', line: 5 });
    expect(warnings[0]?.message).to.include('drops it when it opens the session');
  });

  it('reads an IPv4-mapped router-id as its IPv4 address', () => {
    const { peers: kept, warnings } = accepted(peers(peer('  router-id: ::ffff:192.0.2.7\n')));
    expect(kept[0]?.routerId).to.equal('192.0.2.7');
    expect(warnings.map((w) => w.message)).to.deep.equal([
      "::ffff:192.0.2.7 is an IPv4-mapped IPv6 address: v0.9 (Go's net package) reads it as the IPv4 address 192.0.2.7",
    ]);
  });

  it('keeps a router-id of 0.0.0.0, which v0.9 sent and peers refuse, with a warning', () => {
    // parsePeer takes any address; New keeps To4() of 0.0.0.0, sendOpen writes it.
    const { peers: kept, warnings } = accepted(peers(peer('  router-id: 0.0.0.0\n')));
    expect(kept[0]?.routerId).to.equal('0.0.0.0');
    expect(warnings[0]?.message).to.include('peers refuse');
  });

  it('still refuses a router-id that is no address, as v0.9', () => {
    expect(refused(peers(peer('  router-id: 192.0.2.300\n')))[0]).to.match(
      /^peers\[0\]\.router-id/,
    );
  });
});

describe("config: addresses as Go's net package read them (IPv4-mapped, Go 1.13 leading zeros)", () => {
  it('reads IPv4-mapped entries as IPv4, with the overlap checks that follow', () => {
    const { pools, warnings } = accepted(
      pool('"::ffff:10.0.0.0/120", "::ffff:10.0.1.1-::ffff:10.0.1.2"'),
    );
    expect(pools[0]?.cidrs).to.deep.equal(['10.0.0.0/24', '10.0.1.1/32', '10.0.1.2/32']);
    expect(warnings.map((w) => w.path)).to.deep.equal([
      'address-pools[0].addresses[0]',
      'address-pools[0].addresses[1]',
      'address-pools[0].addresses[1]',
    ]);
    expect(warnings[0]?.message).to.include('reads it as 10.0.0.0/24');
    // config.go cidrsOverlap: 10.0.0.0/24 contains the mapped /120's address, 10.0.0.0.
    const [overlap] = refused(pool('10.0.0.0/24, "::ffff:10.0.0.0/120"'));
    expect(overlap).to.match(/^address-pools\[0\]\.addresses\[1\]: .*overlaps 10\.0\.0\.0\/24/);
  });

  it('refuses an overlap v0.9 missed: it measured a mapped /120 as 120 bits long (a deliberate difference)', () => {
    // cidrContainsCIDR compares Mask.Size(): 120 for the mapped prefix, 25 for 10.0.0.128/25,
    // so neither "contains" the other; both hold 10.0.0.128-255.
    expect(refused(pool('"::ffff:10.0.0.0/120", 10.0.0.128/25'))[0]).to.include('overlaps');
  });

  it('measures a mapped prefix in a bgp advertisement as v0.9 did: /120, longer than any aggregation length', () => {
    // parseBGPAdvertisements compares Mask.Size() of the 16-byte mask: 120 > 32, refused.
    const [error] = refused(bgpPool('"::ffff:10.0.0.0/120"', 32));
    expect(error).to.include('written IPv4-mapped, which v0.9 measured as /120');
    expect(error).to.include('write it as 10.0.0.0/24');
    // Without an advertisement v0.9 checked nothing; a mapped range has 4-byte masks.
    const noAdvertisement = bgpPool('"::ffff:10.0.0.0/120"', 32).split('  bgp-advertisements')[0];
    expect(accepted(noAdvertisement ?? '').pools[0]?.cidrs).to.deep.equal(['10.0.0.0/24']);
    expect(
      accepted(bgpPool('"::ffff:10.0.0.0-::ffff:10.0.0.255"', 24)).pools[0]?.cidrs,
    ).to.deep.equal(['10.0.0.0/24']);
  });

  it('reads an IPv4-mapped peer address as IPv4', () => {
    const { peers: kept, warnings } = accepted(peers(peer('', '"::ffff:203.0.113.1"')));
    expect(kept[0]?.peerAddress).to.equal('203.0.113.1');
    expect(warnings[0]).to.include({ path: 'peers[0].peer-address', line: 4 });
  });

  it('reads leading zeros as decimal, as Go 1.13 (which built v0.9.6) did', () => {
    const {
      pools,
      peers: kept,
      warnings,
    } = accepted(
      peers(peer('  router-id: 010.0.0.1\n', '203.0.113.010')) +
        pool('192.0.2.000/025, 198.51.100.01-198.51.100.02'),
    );
    expect(kept[0]?.peerAddress).to.equal('203.0.113.10');
    expect(kept[0]?.routerId).to.equal('10.0.0.1');
    expect(pools[0]?.cidrs).to.deep.equal(['192.0.2.0/25', '198.51.100.1/32', '198.51.100.2/32']);
    expect(warnings.map((w) => w.path)).to.deep.equal([
      'peers[0].peer-address',
      'peers[0].router-id',
      'address-pools[0].addresses[0]',
      'address-pools[0].addresses[1]',
      'address-pools[0].addresses[1]',
    ]);
    expect(warnings[0]?.message).to.equal(
      '203.0.113.010 has numbers with leading zeros: v0.9 (built with Go 1.13) read them as decimal, 203.0.113.10',
    );
  });

  it('trims the ends of a range as Go strings.TrimSpace, not as String.trim', () => {
    // unicode.IsSpace holds U+0085 (which String.trim keeps) and not U+FEFF (which it trims).
    const { pools } = accepted(pool('"\\u0085192.0.2.1\\u00a0-\\u00a0192.0.2.2\\u0085"'));
    expect(pools[0]?.cidrs).to.deep.equal(['192.0.2.1/32', '192.0.2.2/32']);
    expect(refused(pool('"\\ufeff192.0.2.1-192.0.2.2"'))[0]).to.include('invalid range start');
    expect(refused(pool('"192.0.2.1-192.0.2.2\\ufeff"'))[0]).to.include('invalid range end');
  });
});

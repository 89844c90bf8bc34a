/**
 * The router harness's readers and writers, without running a router:
 *
 * - RIB and session-state parsers against real output captured from GoBGP
 *   3.10, BIRD 2.0.12 and FRR 8.4 (test/fixtures/routers/, captured while
 *   test/bgp/routers.test.ts's setups ran). The expected routes are what
 *   those setups announced, written out by hand: the eBGP speaker (AS
 *   64513) sent 203.0.113.10/32 with next hop 192.0.2.10 and communities
 *   64513:300 64513:7 over 127.0.0.1, and 2001:db8:10::/64 with next hop
 *   2001:db8::10 and community 64513:6 over ::1, to a router of AS
 *   4200000001; the iBGP speaker sent 203.0.113.20/32, next hop 192.0.2.20,
 *   LOCAL_PREF 250, communities 64512:10 100:200; in the ECMP setup nodes
 *   198.51.100.1-3 (AS 64512) each sent one /32 with community 64512:1 and
 *   themselves as next hop.
 * - The configs the harness writes, checked for the lines tests depend on
 *   and, as root with the routers installed, by each router's own config
 *   check.
 * - The refusals of a RouterSpec that would never work.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { birdConfig } from '../support/routers/bird.js';
import { checkFrrConfig, frrConfig } from '../support/routers/frr.js';
import { gobgpConfig } from '../support/routers/gobgp.js';
import {
  BirdRouter,
  FrrRouter,
  GobgpRouter,
  parseBirdProtocolState,
  parseBirdRoutes,
  parseFrrNeighborState,
  parseFrrRoutes,
  parseGobgpNegotiatedHoldTime,
  parseGobgpNeighborState,
  parseGobgpRib,
  parseIpRoutes,
  parseTcpExt,
  routerUnavailable,
  birdProtocolName,
  type RibRoute,
  type RouterSpec,
} from '../support/routers/index.js';
import { communityFromNumber, sortCommunities } from '../support/routers/rib.js';
import { FIXTURES } from '../support/paths.js';

const execFileAsync = promisify(execFile);
const fixture = (name: string): Promise<string> =>
  readFile(join(FIXTURES, 'routers', name), 'utf8');

const EBGP_V4: RibRoute = {
  prefix: '203.0.113.10/32',
  nextHops: ['192.0.2.10'],
  asPath: [64513],
  localPref: null,
  communities: ['64513:7', '64513:300'],
  origin: 'incomplete',
  fromPeer: '127.0.0.1',
};
const EBGP_V6: RibRoute = {
  prefix: '2001:db8:10::/64',
  nextHops: ['2001:db8::10'],
  asPath: [64513],
  localPref: null,
  communities: ['64513:6'],
  origin: 'incomplete',
  fromPeer: '::1',
};
const IBGP_V4: RibRoute = {
  prefix: '203.0.113.20/32',
  nextHops: ['192.0.2.20'],
  asPath: [],
  localPref: 250,
  communities: ['100:200', '64512:10'],
  origin: 'incomplete',
  fromPeer: '127.0.0.1',
};
const fromNode = (prefix: string, k: number, localPref: number | null): RibRoute => ({
  prefix,
  nextHops: [`198.51.100.${k}`],
  asPath: [64512],
  localPref,
  communities: ['64512:1'],
  origin: 'incomplete',
  fromPeer: `198.51.100.${k}`,
});
/** BIRD holds its default LOCAL_PREF on eBGP routes. */
const withBirdLocalPref = (route: RibRoute): RibRoute => ({ ...route, localPref: 100 });

describe('BGP router harness: parsers and configs', () => {
  describe('GoBGP (gobgp -j)', () => {
    it('reads eBGP IPv4 and IPv6 paths: communities as A:B in order, the MP_REACH next hop', async () => {
      expect(parseGobgpRib(await fixture('gobgp-ebgp-ipv4.json'))).to.deep.equal([EBGP_V4]);
      expect(parseGobgpRib(await fixture('gobgp-ebgp-ipv6.json'))).to.deep.equal([EBGP_V6]);
    });

    it('reads an iBGP path: LOCAL_PREF and an empty AS path', async () => {
      expect(parseGobgpRib(await fixture('gobgp-ibgp-ipv4.json'))).to.deep.equal([IBGP_V4]);
    });

    it('reads an empty table', async () => {
      expect(parseGobgpRib(await fixture('gobgp-empty-ipv6.json'))).to.deep.equal([]);
      expect(parseGobgpRib('')).to.deep.equal([]);
      expect(parseGobgpRib('null\n')).to.deep.equal([]);
    });

    it('reads the session state and the negotiated hold time', async () => {
      const established = await fixture('gobgp-neighbor-established.json');
      expect(parseGobgpNeighborState(established)).to.equal('established');
      // Neither side of that iBGP session set a hold time: GoBGP's default.
      expect(parseGobgpNegotiatedHoldTime(established)).to.equal(90);
      expect(parseGobgpNeighborState(await fixture('gobgp-neighbor-active.json'))).to.equal(
        'active',
      );
      expect(() => parseGobgpNeighborState('{}')).to.throw(/no session state/);
    });

    it('splits a 32-bit community into its halves', () => {
      expect(communityFromNumber(4227924268)).to.equal('64513:300');
      expect(communityFromNumber(0xffffffff)).to.equal('65535:65535');
      expect(() => communityFromNumber(2 ** 32)).to.throw();
    });
  });

  describe('BIRD (birdc text)', () => {
    it('reads unreachable (multihop) eBGP paths with their attributes; BIRD adds LOCAL_PREF 100', async () => {
      expect(parseBirdRoutes(await fixture('bird-ebgp-ipv4.txt'))).to.deep.equal([
        withBirdLocalPref(EBGP_V4),
      ]);
      expect(parseBirdRoutes(await fixture('bird-ebgp-ipv6.txt'))).to.deep.equal([
        withBirdLocalPref(EBGP_V6),
      ]);
    });

    it('reads an iBGP path with an empty AS path', async () => {
      expect(parseBirdRoutes(await fixture('bird-ibgp-ipv4.txt'))).to.deep.equal([IBGP_V4]);
    });

    it('reads three paths of one prefix from three directly connected peers', async () => {
      expect(parseBirdRoutes(await fixture('bird-direct-ipv4.txt'))).to.deep.equal(
        [1, 2, 3].map((k) => fromNode('203.0.113.10/32', k, 100)),
      );
    });

    it('reads an empty table, and skips paths that are not BGP', async () => {
      expect(parseBirdRoutes(await fixture('bird-empty-ipv4.txt'))).to.deep.equal([]);
      const mixed = [
        'BIRD 2.0.12 ready.',
        'Table master4:',
        '198.51.100.0/24      unicast [direct1 10:00:00.000] * (240)',
        '\tdev eth0',
        '\tType: device univ',
        '203.0.113.7/32       unicast [v4_198_51_100_9 10:00:00.000] * (100) [AS65000i]',
        '\tvia 198.51.100.9 on eth0',
        '\tType: BGP univ',
        '\tBGP.origin: IGP',
        '\tBGP.as_path: 65001 {65002 65003}',
        '\tBGP.next_hop: 2001:db8::9 fe80::9',
        '\tBGP.local_pref: 100',
        '\tBGP.large_community: (65000, 1, 2)',
      ].join('\n');
      expect(parseBirdRoutes(mixed)).to.deep.equal([
        {
          prefix: '203.0.113.7/32',
          nextHops: ['2001:db8::9', 'fe80::9'],
          asPath: [65001, 65002, 65003],
          localPref: 100,
          communities: [],
          origin: 'igp',
          fromPeer: '198.51.100.9',
        },
      ]);
    });

    it('names sessions after their peer and reads their state', async () => {
      expect(birdProtocolName('127.0.0.1')).to.equal('v4_127_0_0_1');
      expect(birdProtocolName('2001:DB8:100:0::FA')).to.equal('v6_2001_db8_100__fa');
      expect(parseBirdProtocolState(await fixture('bird-protocol-established.txt'))).to.equal(
        'established',
      );
      // A passive session waiting for its peer: RFC 4271's Active.
      expect(parseBirdProtocolState(await fixture('bird-protocol-passive.txt'))).to.equal('active');
      expect(() => parseBirdProtocolState('BIRD 2.0.12 ready.\n')).to.throw(/no BGP state/);
    });
  });

  describe('FRR (vtysh json)', () => {
    it('reads eBGP IPv4 and IPv6 paths, no LOCAL_PREF held', async () => {
      expect(parseFrrRoutes(await fixture('frr-ebgp-ipv4.json'))).to.deep.equal([EBGP_V4]);
      expect(parseFrrRoutes(await fixture('frr-ebgp-ipv6.json'))).to.deep.equal([EBGP_V6]);
    });

    it('reads an iBGP path with LOCAL_PREF', async () => {
      expect(parseFrrRoutes(await fixture('frr-ibgp-ipv4.json'))).to.deep.equal([IBGP_V4]);
    });

    it('reads three multipath paths of one prefix, in peer order', async () => {
      expect(parseFrrRoutes(await fixture('frr-three-paths-ipv4.json'))).to.deep.equal(
        [1, 2, 3].map((k) => fromNode('203.0.113.11/32', k, null)),
      );
    });

    it('reads an empty table and the session state', async () => {
      expect(parseFrrRoutes(await fixture('frr-empty-ipv4.json'))).to.deep.equal([]);
      expect(parseFrrNeighborState(await fixture('frr-neighbor-established.json'))).to.equal(
        'established',
      );
      expect(parseFrrNeighborState(await fixture('frr-neighbor-idle.json'))).to.equal('idle');
      expect(() => parseFrrNeighborState('{"bgpNoSuchNeighbor":true}')).to.throw(/no bgpState/);
    });
  });

  describe('the kernel side', () => {
    it('reads multipath and single-path routes from ip -j route', async () => {
      const hops = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
      expect(parseIpRoutes(await fixture('ip-route-ecmp-bird.json'))).to.deep.equal([
        { prefix: '203.0.113.10/32', protocol: 'bird', nextHops: hops },
      ]);
      // FRR's zebra listed them 1, 3, 2: read in address order.
      expect(parseIpRoutes(await fixture('ip-route-ecmp-frr.json'))).to.deep.equal([
        { prefix: '203.0.113.11/32', protocol: 'bgp', nextHops: hops },
      ]);
      expect(parseIpRoutes(await fixture('ip-route-single-frr.json'))).to.deep.equal([
        { prefix: '203.0.113.11/32', protocol: 'bgp', nextHops: ['198.51.100.1'] },
      ]);
      expect(parseIpRoutes('')).to.deep.equal([]);
    });

    it('reads a TcpExt counter of /proc/net/netstat', () => {
      const netstat = [
        'TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Failure',
        'TcpExt: 0 4 17',
        'IpExt: InNoRoutes',
        'IpExt: 0',
      ].join('\n');
      expect(parseTcpExt(netstat, 'TCPMD5Failure')).to.equal(17);
      expect(() => parseTcpExt(netstat, 'InNoRoutes')).to.throw(/no TcpExt counter/);
    });

    it('sorts communities numerically, not as text', () => {
      expect(sortCommunities(['64513:300', '100:2', '64513:7', '99:9'])).to.deep.equal([
        '99:9',
        '100:2',
        '64513:7',
        '64513:300',
      ]);
    });
  });

  describe('configs', () => {
    const spec: RouterSpec = {
      kind: 'bird',
      asn: 4200000001,
      routerId: '198.51.100.250',
      listenAddresses: ['198.51.100.250', '2001:db8:100::fa'],
      netns: 'mt0000r',
      ecmp: true,
      peers: [
        { address: '198.51.100.1', asn: 64512, holdTimeSeconds: 3, password: 'right-secret' },
        { address: '2001:db8:100::2', asn: 4200000001, families: [6] },
      ],
    };

    it('BIRD: a passive session per peer, bound to the address of its family, with kernel ECMP', () => {
      const text = birdConfig(spec, 1790, '/tmp/x');
      for (const line of [
        'protocol bgp v4_198_51_100_1 {',
        '  local 198.51.100.250 port 1790 as 4200000001;',
        '  neighbor 198.51.100.1 as 64512;',
        '  direct;',
        '  hold time 3;',
        '  keepalive time 1;',
        '  password "right-secret";',
        '  local 2001:db8:100::fa port 1790 as 4200000001;',
        // iBGP on the LAN: next hops resolve directly, so they can reach the kernel.
        '  ipv6 { import all; export none; gateway direct; };',
        '  merge paths on;',
      ]) {
        expect(text).to.include(`${line}\n`);
      }
      // The IPv6-only peer has no IPv4 channel.
      const v6 = text.slice(text.indexOf('protocol bgp v6_'));
      expect(v6).to.not.include('ipv4 {');
    });

    it('FRR: passive peers, per-peer timers, nothing exported, multipath', () => {
      const text = frrConfig({ ...spec, kind: 'frr' }, '/tmp/x');
      expect(text.startsWith('frr defaults traditional\n')).to.equal(true);
      for (const line of [
        ' no bgp ebgp-requires-policy',
        ' bgp allow-martian-nexthop',
        ' neighbor 198.51.100.1 passive',
        ' neighbor 198.51.100.1 timers 1 3',
        ' neighbor 198.51.100.1 password right-secret',
        '  maximum-paths 16',
        '  neighbor 2001:db8:100::2 route-map HARNESS-EXPORT-NONE out',
        'route-map HARNESS-EXPORT-NONE deny 10',
      ]) {
        expect(text).to.include(`${line}\n`);
      }
      const v4 = text.slice(
        text.indexOf(' address-family ipv4'),
        text.indexOf(' address-family ipv6'),
      );
      expect(v4).to.not.include('2001:db8:100::2');
      // zebra runs with ecmp: the connected check stays on.
      expect(text).to.not.include('disable-connected-check');
    });

    it('GoBGP: passive neighbours that export nothing; an active one dials the given port', () => {
      const passive = gobgpConfig({ ...spec, kind: 'gobgp', ecmp: false }, 1790);
      for (const line of [
        '  port = 1790',
        '  local-address-list = ["198.51.100.250", "2001:db8:100::fa"]',
        '  default-export-policy = "reject-route"',
        '    passive-mode = true',
        '    auth-password = "right-secret"',
        '    hold-time = 3',
        '    keepalive-interval = 1',
      ]) {
        expect(passive).to.include(`${line}\n`);
      }
      const active = gobgpConfig(
        {
          kind: 'gobgp',
          asn: 64512,
          routerId: '198.51.100.1',
          listenAddresses: [],
          passive: false,
          peers: [{ address: '198.51.100.250', asn: 64513, port: 1790 }],
        },
        0,
      );
      expect(active).to.include('  port = -1\n');
      expect(active).to.include('    remote-port = 1790\n');
      expect(active).to.not.include('passive-mode');
      expect(active).to.not.include('default-export-policy');
    });

    it('passes each router’s own config check (root, routers installed)', async function () {
      const why = routerUnavailable(['gobgp', 'bird', 'frr']);
      if (why !== undefined) {
        console.log(`      config check skipped: ${why}`);
        this.skip();
      }
      const folder = await mkdtemp(join(tmpdir(), 'metallb-ts-config-check-'));
      try {
        await writeFile(
          join(folder, 'gobgpd.toml'),
          gobgpConfig({ ...spec, kind: 'gobgp', ecmp: false }, 1790),
        );
        await execFileAsync('gobgpd', ['-d', '-t', 'toml', '-f', join(folder, 'gobgpd.toml')]);
        await writeFile(join(folder, 'bird.conf'), birdConfig(spec, 1790, folder));
        await execFileAsync('bird', ['-p', '-c', join(folder, 'bird.conf')]);
        await writeFile(join(folder, 'bgpd.conf'), frrConfig({ ...spec, kind: 'frr' }, folder));
        await checkFrrConfig(join(folder, 'bgpd.conf'), folder);
        // The check itself must be able to fail.
        await writeFile(join(folder, 'bad.conf'), 'router bgp 64512\n bgp no-such-thing\n');
        const refused = await checkFrrConfig(join(folder, 'bad.conf'), folder).then(
          () => 'accepted',
          (error: Error) => error.message,
        );
        expect(refused).to.match(/No such command/);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });
  });

  describe('refusing specs that could never work', () => {
    const base: RouterSpec = {
      kind: 'bird',
      asn: 64513,
      routerId: '192.0.2.250',
      listenAddresses: ['127.0.0.1'],
      peers: [{ address: '127.0.0.1', asn: 64512 }],
    };

    it('names the mistake', () => {
      const refusal = (spec: RouterSpec): string => {
        try {
          new BirdRouter(spec, 1790);
          return 'accepted';
        } catch (error) {
          return (error as Error).message;
        }
      };
      expect(refusal({ ...base, ecmp: true })).to.match(/only inside a network namespace/);
      expect(refusal({ ...base, passive: false })).to.match(/only gobgp can be the active side/);
      expect(refusal({ ...base, asn: 2 ** 32 })).to.match(/ASN must be an integer/);
      expect(refusal({ ...base, routerId: '2001:db8::1' })).to.match(/routerId must be IPv4/);
      expect(refusal({ ...base, peers: [{ address: '::1', asn: 64512 }] })).to.match(
        /no IPv6 listen address/,
      );
      expect(
        refusal({ ...base, peers: [{ address: '127.0.0.1', asn: 1, password: 'a b' }] }),
      ).to.match(/password/);
      expect(
        refusal({ ...base, peers: [{ address: '127.0.0.1', asn: 1, holdTimeSeconds: 2 }] }),
      ).to.match(/hold time must be an integer in 3\.\.65535/);
      expect(refusal(base)).to.equal('accepted');
      expect(() => new GobgpRouter({ ...base, kind: 'gobgp', ecmp: true, netns: 'x' }, 1)).to.throw(
        /use bird or frr/,
      );
      expect(() => new FrrRouter({ ...base, kind: 'frr' }, 1)).to.not.throw();
    });
  });
});

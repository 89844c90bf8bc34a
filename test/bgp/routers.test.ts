/**
 * The router harness (test/support/routers) proven router to router, with
 * none of our BGP code on the wire: GoBGP (an active gobgpd standing in for
 * a speaker, announcing with `gobgp global rib add`) against the harness's
 * passive GoBGP, BIRD and FRR routers. What each router reports is checked
 * against what the test configured, written out below by hand.
 *
 * - On loopback, per router kind: eBGP with a 4-byte router AS over an IPv4
 *   and an IPv6 session; iBGP with LOCAL_PREF and an MD5 password;
 *   withdrawal; the per-peer hold time; a wrong MD5 password (in a private
 *   namespace, whose kernel counts the rejected segments); pause()/resume()
 *   and restart().
 * - ECMP, in network namespaces (NetnsTopology with a router namespace):
 *   three gobgpd "nodes" announce one /32 over eBGP to BIRD and to FRR,
 *   which install one kernel route with three next hops; stopping a node
 *   leaves two.
 *
 * Root only, with gobgpd, bird2 and frr installed (scripts/install-peers.sh);
 * skips with the reason otherwise (fails instead with
 * METALLB_TS_REQUIRE_PEERS=1). Most of the time goes to gobgpd's first dial,
 * 5-10 s after it starts, and its 5 s in Idle after a session drops.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { NetnsTopology, netnsUnavailable } from '../../src/netns/index.js';
import {
  ROUTER_KINDS,
  createLoopbackNamespace,
  kernelRoute,
  kernelRouteText,
  routerUnavailable,
  startGobgp,
  startRouter,
  stopAllRouters,
  type GobgpRouter,
  type LoopbackNamespace,
  type RibRoute,
  type Router,
  type RouterKind,
} from '../support/routers/index.js';
import { until } from '../support/until.js';

/** 4-byte, so every router must speak RFC 6793 to get it right. */
const ROUTER_ASN = 4200000001;
const SPEAKER_ASN = 64513;
const PASSWORD = 'right-secret';

/** What the stand-in speakers announce; the expected routes below are derived by hand. */
const EBGP_V4 = {
  prefix: '203.0.113.10/32',
  nextHop: '192.0.2.10',
  communities: ['64513:300', '64513:7'],
};
const EBGP_V6 = { prefix: '2001:db8:10::/64', nextHop: '2001:db8::10', communities: ['64513:6'] };
const IBGP_V4 = {
  prefix: '203.0.113.20/32',
  nextHop: '192.0.2.20',
  communities: ['64512:10', '100:200'],
  localPref: 250,
};

/** BIRD puts its default LOCAL_PREF on routes from eBGP peers; GoBGP and FRR hold none. */
const ebgpLocalPref = (kind: RouterKind): number | null => (kind === 'bird' ? 100 : null);

function expectedEbgp(kind: RouterKind): { v4: RibRoute; v6: RibRoute } {
  return {
    v4: {
      prefix: '203.0.113.10/32',
      nextHops: ['192.0.2.10'],
      asPath: [SPEAKER_ASN],
      localPref: ebgpLocalPref(kind),
      communities: ['64513:7', '64513:300'],
      origin: 'incomplete',
      fromPeer: '127.0.0.1',
    },
    v6: {
      prefix: '2001:db8:10::/64',
      nextHops: ['2001:db8::10'],
      asPath: [SPEAKER_ASN],
      localPref: ebgpLocalPref(kind),
      communities: ['64513:6'],
      origin: 'incomplete',
      fromPeer: '::1',
    },
  };
}

const EXPECTED_IBGP: RibRoute = {
  prefix: '203.0.113.20/32',
  nextHops: ['192.0.2.20'],
  asPath: [],
  localPref: 250,
  communities: ['100:200', '64512:10'],
  origin: 'incomplete',
  fromPeer: '127.0.0.1',
};

function skipUnless(ctx: Mocha.Context, reason: string | undefined): void {
  if (reason === undefined) return;
  if (process.env['METALLB_TS_REQUIRE_PEERS'] === '1') throw new Error(reason);
  console.log(`      BGP router tests skipped: ${reason}`);
  ctx.skip();
}

/** The scheduler state of a process: 'T' when stopped, 'S' or 'R' when running. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
}

/** Routes of the family once the router holds `count` paths (or what it holds at the timeout). */
async function routesOnce(router: Router, family: 4 | 6, count: number): Promise<RibRoute[]> {
  let routes: RibRoute[] = [];
  await until(
    async () => (routes = await router.routes(family)).length === count,
    20_000,
    `${count} IPv${family} paths in ${router.kind} (last: ${JSON.stringify(routes)})`,
    200,
  ).catch(() => undefined);
  return routes;
}

async function waitEstablished(router: Router, peer: string, timeoutMs = 30_000): Promise<void> {
  await until(
    () => router.established(peer),
    timeoutMs,
    `${router.kind}: session with ${peer} Established\n${router.logs().slice(-3_000)}`,
    200,
  );
}

describe('BGP routers as test peers (router to router)', function () {
  this.timeout(90_000);

  after(async () => {
    await stopAllRouters();
  });

  describe('on loopback: GoBGP, BIRD and FRR with a gobgpd dialling in', function () {
    interface KindSetup {
      /** eBGP over 127.0.0.1 (IPv4, hold time 3 s) and ::1 (IPv6). */
      ebgp: Router;
      ebgpSpeaker: GobgpRouter;
      /** iBGP over 127.0.0.1, MD5. */
      ibgp: Router;
      ibgpSpeaker: GobgpRouter;
      /** A router and a speaker with another password, alone in a namespace. */
      wrong: { ns: LoopbackNamespace; router: Router; speaker: GobgpRouter };
    }
    const setups = new Map<RouterKind, KindSetup>();
    const setup = (kind: RouterKind): KindSetup => {
      const found = setups.get(kind);
      if (found === undefined) throw new Error(`no ${kind} setup`);
      return found;
    };

    async function startKind(kind: RouterKind): Promise<void> {
      const ebgp = await startRouter({
        kind,
        asn: ROUTER_ASN,
        routerId: '192.0.2.250',
        listenAddresses: ['127.0.0.1', '::1'],
        peers: [
          { address: '127.0.0.1', asn: SPEAKER_ASN, holdTimeSeconds: 3, families: [4] },
          { address: '::1', asn: SPEAKER_ASN, families: [6] },
        ],
      });
      const ibgp = await startRouter({
        kind,
        asn: ROUTER_ASN,
        routerId: '192.0.2.251',
        listenAddresses: ['127.0.0.1'],
        peers: [{ address: '127.0.0.1', asn: ROUTER_ASN, password: PASSWORD, families: [4] }],
      });
      // The speakers offer GoBGP's default hold time (90 s): 3 s can only come from the router.
      const ebgpSpeaker = await startGobgp({
        asn: SPEAKER_ASN,
        routerId: '192.0.2.1',
        listenAddresses: [],
        passive: false,
        peers: [
          { address: '127.0.0.1', asn: ROUTER_ASN, port: ebgp.port, families: [4] },
          { address: '::1', asn: ROUTER_ASN, port: ebgp.port, families: [6] },
        ],
      });
      await ebgpSpeaker.announce(EBGP_V4);
      await ebgpSpeaker.announce(EBGP_V6);
      const ibgpSpeaker = await startGobgp({
        asn: ROUTER_ASN,
        routerId: '192.0.2.2',
        listenAddresses: [],
        passive: false,
        peers: [
          {
            address: '127.0.0.1',
            asn: ROUTER_ASN,
            port: ibgp.port,
            password: PASSWORD,
            families: [4],
          },
        ],
      });
      await ibgpSpeaker.announce(IBGP_V4);

      const ns = await createLoopbackNamespace('w');
      const wrongRouter = await startRouter({
        kind,
        asn: ROUTER_ASN,
        routerId: '192.0.2.252',
        listenAddresses: ['127.0.0.1'],
        netns: ns.name,
        peers: [{ address: '127.0.0.1', asn: SPEAKER_ASN, password: PASSWORD, families: [4] }],
      });
      const wrongSpeaker = await startGobgp({
        asn: SPEAKER_ASN,
        routerId: '192.0.2.3',
        listenAddresses: [],
        passive: false,
        netns: ns.name,
        peers: [
          {
            address: '127.0.0.1',
            asn: ROUTER_ASN,
            port: wrongRouter.port,
            password: 'wrong-secret',
            families: [4],
          },
        ],
      });
      setups.set(kind, {
        ebgp,
        ebgpSpeaker,
        ibgp,
        ibgpSpeaker,
        wrong: { ns, router: wrongRouter, speaker: wrongSpeaker },
      });
    }

    before(function () {
      skipUnless(this, routerUnavailable(ROUTER_KINDS) ?? netnsUnavailable());
    });

    before(async () => {
      // All at once: each gobgpd waits 5-10 s before its first dial, in parallel.
      await Promise.all(ROUTER_KINDS.map(startKind));
    });

    after(async () => {
      await stopAllRouters();
      await Promise.all([...setups.values()].map((s) => s.wrong.ns.destroy()));
    });

    for (const kind of ROUTER_KINDS) {
      describe(kind, () => {
        it('eBGP (4-byte router AS), IPv4 and IPv6 sessions: prefix, next hop, AS path, communities', async () => {
          const { ebgp } = setup(kind);
          await waitEstablished(ebgp, '127.0.0.1');
          await waitEstablished(ebgp, '::1');
          const expected = expectedEbgp(kind);
          expect(await routesOnce(ebgp, 4, 1)).to.deep.equal([expected.v4]);
          expect(await routesOnce(ebgp, 6, 1)).to.deep.equal([expected.v6]);
        });

        it('runs the session with the hold time set for the peer (3 s, against an offer of 90 s)', async () => {
          const { ebgp, ebgpSpeaker } = setup(kind);
          await waitEstablished(ebgp, '127.0.0.1');
          expect(await ebgpSpeaker.negotiatedHoldTime('127.0.0.1')).to.equal(3);
          // The IPv6 peer has no hold time of its own: the router's default, above 3 s.
          expect(await ebgpSpeaker.negotiatedHoldTime('::1')).to.be.above(3);
        });

        it('iBGP with an MD5 password: LOCAL_PREF, an empty AS path, the next hop as sent', async () => {
          const { ibgp } = setup(kind);
          await waitEstablished(ibgp, '127.0.0.1');
          expect(await routesOnce(ibgp, 4, 1)).to.deep.equal([EXPECTED_IBGP]);
        });

        it('forgets withdrawn prefixes while the sessions stay up', async () => {
          const { ebgp, ebgpSpeaker } = setup(kind);
          expect(await routesOnce(ebgp, 4, 1)).to.have.length(1);
          await ebgpSpeaker.withdraw(EBGP_V4.prefix);
          await ebgpSpeaker.withdraw(EBGP_V6.prefix);
          expect(await routesOnce(ebgp, 4, 0)).to.deep.equal([]);
          expect(await routesOnce(ebgp, 6, 0)).to.deep.equal([]);
          expect(await ebgp.established('127.0.0.1')).to.equal(true);
          expect(await ebgp.established('::1')).to.equal(true);
        });

        it('never reaches Established with a wrong MD5 password', async () => {
          const { ns, router, speaker } = setup(kind).wrong;
          // Proof that the speaker did dial: the kernel dropped segments with a bad signature.
          await until(
            async () => (await ns.tcpExt('TCPMD5Failure')) > 0,
            25_000,
            'a segment refused for its MD5 signature',
            250,
          );
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          expect(await router.sessionState('127.0.0.1')).to.not.equal('established');
          expect(await speaker.sessionState('127.0.0.1')).to.be.oneOf([
            'idle',
            'connect',
            'active',
          ]);
        });
      });
    }

    describe('every kind at once', () => {
      it('pause() stops a router until its peer gives up (3 s hold time); resume() brings it back', async function () {
        this.timeout(60_000);
        await Promise.all(
          ROUTER_KINDS.map(async (kind) => {
            const { ebgp, ebgpSpeaker } = setup(kind);
            await waitEstablished(ebgp, '127.0.0.1');
            const pid = ebgp.pid();
            const paused = Date.now();
            ebgp.pause();
            await until(() => processState(pid) === 'T', 2_000, `${kind} stopped`, 10);
            await until(
              async () => (await ebgpSpeaker.sessionState('127.0.0.1')) !== 'established',
              10_000,
              `the speaker to drop the session with the paused ${kind}`,
              100,
            );
            // The peer waited for its hold timer, not less.
            expect(Date.now() - paused, `${kind}: time to drop`).to.be.at.least(1_500);
            ebgp.resume();
            await until(() => processState(pid) !== 'T', 2_000, `${kind} running again`, 10);
            // A new session: the speaker's side dropped the old one for good.
            await waitEstablished(ebgpSpeaker, '127.0.0.1', 40_000);
            await waitEstablished(ebgp, '127.0.0.1', 5_000);
            expect(ebgp.pid()).to.equal(pid);
          }),
        );
      });

      it('restart() brings a router back on the same port, and its peer back with its routes', async function () {
        this.timeout(60_000);
        await Promise.all(
          ROUTER_KINDS.map(async (kind) => {
            const { ibgp } = setup(kind);
            await waitEstablished(ibgp, '127.0.0.1');
            const { port } = ibgp;
            const pid = ibgp.pid();
            await ibgp.restart();
            expect(ibgp.pid()).to.not.equal(pid);
            expect(ibgp.port).to.equal(port);
            await waitEstablished(ibgp, '127.0.0.1', 40_000);
            expect(await routesOnce(ibgp, 4, 1)).to.deep.equal([EXPECTED_IBGP]);
          }),
        );
      });
    });
  });

  describe('ECMP in network namespaces: three nodes announce one /32', function () {
    const ROUTER_AS = 64513;
    const NODE_AS = 64512;
    /** One prefix per router kind: both install into the same router namespace. */
    const PREFIX: Record<'bird' | 'frr', string> = {
      bird: '203.0.113.10/32',
      frr: '203.0.113.11/32',
    };
    let topology: NetnsTopology | undefined;
    const routers = new Map<'bird' | 'frr', Router>();
    /** speakers.get(kind)[k - 1]: node k's gobgpd dialling that router. */
    const speakers = new Map<'bird' | 'frr', GobgpRouter[]>();

    const topo = (): NetnsTopology => {
      if (topology === undefined) throw new Error('no topology');
      return topology;
    };

    before(function () {
      skipUnless(this, routerUnavailable(['gobgp', 'bird', 'frr']) ?? netnsUnavailable());
    });

    before(async function () {
      this.timeout(180_000);
      // Other test runs on this machine may hold the one LAN for a while.
      topology = await NetnsTopology.create({
        nodes: 3,
        ipv6: false,
        router: true,
        lockWaitMs: 120_000,
      });
      const t = topology;
      const routerAddress = t.routerAddress(4);
      const peers = [1, 2, 3].map((k) => ({
        address: t.nodeAddress(k, 4),
        asn: NODE_AS,
        holdTimeSeconds: 3,
      }));
      for (const kind of ['bird', 'frr'] as const) {
        const router = await startRouter({
          kind,
          asn: ROUTER_AS,
          routerId: routerAddress,
          listenAddresses: [routerAddress],
          netns: t.routerNamespace,
          peers,
          ecmp: true,
        });
        routers.set(kind, router);
        const nodes = await Promise.all(
          [1, 2, 3].map(async (k) => {
            const speaker = await startGobgp({
              asn: NODE_AS,
              routerId: t.nodeAddress(k, 4),
              listenAddresses: [],
              passive: false,
              netns: t.nodeNamespace(k),
              peers: [{ address: routerAddress, asn: ROUTER_AS, port: router.port }],
            });
            // No next hop given: GoBGP sends its own address on the LAN, as a speaker does.
            await speaker.announce({ prefix: PREFIX[kind], communities: ['64512:1'] });
            return speaker;
          }),
        );
        speakers.set(kind, nodes);
      }
    });

    after(async () => {
      // Routers first: a namespace deleted under a running process would leave it running.
      await stopAllRouters();
      await topology?.destroy();
    });

    for (const kind of ['bird', 'frr'] as const) {
      it(`${kind}: one kernel route with three next hops; two once a node stops`, async () => {
        const router = routers.get(kind);
        const nodes = speakers.get(kind);
        if (router === undefined || nodes === undefined) throw new Error(`no ${kind} setup`);
        const t = topo();
        const prefix = PREFIX[kind];
        const nodeAddresses = [1, 2, 3].map((k) => t.nodeAddress(k, 4));
        for (const address of nodeAddresses) await waitEstablished(router, address);

        const paths = await routesOnce(router, 4, 3);
        expect(paths.map((p) => p.fromPeer)).to.deep.equal(nodeAddresses);
        expect(paths.map((p) => p.nextHops)).to.deep.equal(nodeAddresses.map((a) => [a]));

        const viaLines = (text: string): string[] =>
          [...text.matchAll(/^\s+nexthop via (\S+) dev eth0\b/gm)].map((m) => m[1] ?? '').sort();
        let text = '';
        await until(
          async () =>
            viaLines((text = await kernelRouteText(t.routerNamespace, prefix))).length === 3,
          10_000,
          `three next hops for ${prefix} (last: ${text})`,
          100,
        );
        // One route (one line naming the prefix), three `nexthop via` lines under it.
        expect(text.split('\n').filter((line) => line.startsWith('203.0.113.'))).to.have.length(1);
        expect(viaLines(text)).to.deep.equal(nodeAddresses);
        expect(await kernelRoute(t.routerNamespace, prefix)).to.deep.include({
          prefix,
          protocol: kind === 'bird' ? 'bird' : 'bgp',
          nextHops: nodeAddresses,
        });

        await nodes[1]?.stop();
        await until(
          async () =>
            viaLines((text = await kernelRouteText(t.routerNamespace, prefix))).length === 2,
          10_000,
          `two next hops for ${prefix} (last: ${text})`,
          100,
        );
        expect(viaLines(text)).to.deep.equal([nodeAddresses[0], nodeAddresses[2]]);
      });
    }
  });
});

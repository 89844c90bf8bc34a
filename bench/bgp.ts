/**
 * BGP announcing at scale, as a router sees it. Prints figures; asserts
 * nothing. Root only, with gobgpd (scripts/install-peers.sh); run: node
 * dist/bench/bgp.js after a build (npm run bench runs it when root).
 *
 * GoBGP runs in the router namespace of a NetnsTopology; this process is
 * the speaker's BGP side (the BgpAnnouncer with real sessions, as the
 * speaker daemon drives it), dialing from the bridge. Figures:
 *
 * - 10,000 IPv6 Service addresses (2001:db8:203::/112, /128 each, MP-BGP
 *   on an IPv6 session): from the moment the speaker is told the 10,000
 *   addresses, with the session already Established, to GoBGP holding all
 *   10,000 prefixes; then the same for withdrawing them all.
 * - 768 IPv4 addresses (every address of the three IPv4 documentation
 *   ranges, the most IPv4 prefixes the network rules allow) the same way.
 * - UPDATE messages sent (v0.9 sent one per prefix), and this process's
 *   peak RSS.
 *
 * Only documentation ranges; the prefixes are routes handed to GoBGP in a
 * namespace, no traffic goes to them.
 */
import {
  bgpSessionFactory,
  BgpAnnouncer,
  announcementFor,
  type Announcement,
} from '../src/speaker/index.js';
import { parseConfig, type Config } from '../src/config/index.js';
import { parseIP } from '../src/ip/index.js';
import { NetnsTopology, netnsUnavailable } from '../src/netns/index.js';
import { bgpMetrics, newRegistry } from '../src/metrics/index.js';
import {
  GobgpRouter,
  routerUnavailable,
  startRouter,
  stopAllRouters,
} from '../test/support/routers/index.js';

const V6_COUNT = 10_000;

function config(): string {
  return `peers:
- peer-address: 2001:db8:100::fa
  peer-asn: 64512
  my-asn: 64512
  router-id: 192.0.2.1
- peer-address: 198.51.100.250
  peer-asn: 64512
  my-asn: 64512
address-pools:
- name: v6
  protocol: bgp
  addresses: [2001:db8:203::/112]
  bgp-advertisements:
  - aggregation-length-v6: 128
    communities: [64512:1]
- name: v4
  protocol: bgp
  addresses: [192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24]
`;
}

function* v6Addresses(count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield `2001:db8:203::${i.toString(16)}`;
}

function* v4Addresses(): Generator<string> {
  for (const net of ['192.0.2', '198.51.100', '203.0.113']) {
    for (let i = 0; i < 256; i++) yield `${net}.${i}`;
  }
}

async function ribCount(router: GobgpRouter, family: 4 | 6): Promise<number> {
  const text = await router.cli('global', 'rib', 'summary', '-a', `ipv${family}`);
  const match = /Destination:\s*(\d+)/.exec(text);
  return match === null ? -1 : Number(match[1]);
}

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<void> {
  const skip = routerUnavailable(['gobgp']) ?? netnsUnavailable();
  if (skip !== undefined) {
    console.log(`bench/bgp: skipped (${skip})`);
    return;
  }
  const topology = await NetnsTopology.create({
    nodes: 1,
    ipv6: true,
    router: true,
    lockWaitMs: 120_000,
  });
  // What the modules cost before any BGP work (the speaker's modules pull in the Kubernetes client).
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const registry = newRegistry();
  const ups: string[] = [];
  const announcer = new BgpAnnouncer({
    log: (fields) => {
      if (fields['event'] === 'sessionUp') ups.push(String(fields['peer']));
    },
    metrics: bgpMetrics(registry),
    openSession: bgpSessionFactory(() => undefined, 'bench-node'),
  });
  try {
    const started = await startRouter({
      kind: 'gobgp',
      asn: 64512,
      routerId: '198.51.100.250',
      listenAddresses: ['198.51.100.250', '2001:db8:100::fa'],
      port: 179,
      netns: topology.routerNamespace,
      peers: [
        { address: '198.51.100.254', asn: 64512 },
        { address: '2001:db8:100::fe', asn: 64512 },
      ],
    });
    if (!(started instanceof GobgpRouter)) throw new Error('not GoBGP');
    const router = started;
    const parsed = parseConfig(config());
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    announcer.setConfig(parsed.config);
    await waitFor(() => ups.length === 2, 30_000, 'both sessions Established');

    const updates = async (): Promise<Map<string, number>> => {
      const metric = await registry.getSingleMetricAsString('metallb_bgp_updates_total');
      const counts = new Map<string, number>();
      for (const m of metric.matchAll(/peer="([^"]+)"\} (\d+)/g))
        counts.set(m[1] ?? '', Number(m[2]));
      return counts;
    };
    const run = async (family: 4 | 6, addresses: readonly string[]) => {
      const peer = family === 6 ? '[2001:db8:100::fa]:179' : '198.51.100.250:179';
      const before = (await updates()).get(peer) ?? 0;
      // Resolved as the speaker's decide() does, before the clock starts.
      const announcements = addresses.map((ip) => announcementIn(parsed.config, ip));
      let start = performance.now();
      for (const announcement of announcements) announcer.announce(announcement);
      await waitFor(
        async () => (await ribCount(router, family)) === addresses.length,
        60_000,
        'all prefixes',
      );
      const announceMs = performance.now() - start;
      const announceUpdates = ((await updates()).get(peer) ?? 0) - before;
      start = performance.now();
      for (const announcement of announcements) announcer.withdraw(announcement);
      await waitFor(async () => (await ribCount(router, family)) === 0, 60_000, 'all withdrawn');
      const withdrawMs = performance.now() - start;
      const withdrawUpdates = ((await updates()).get(peer) ?? 0) - before - announceUpdates;
      console.log(
        `IPv${family}: ${addresses.length} prefixes in GoBGP after ${announceMs.toFixed(0)} ms ` +
          `(${announceUpdates} UPDATEs, ${(addresses.length / Math.max(1, announceUpdates)).toFixed(0)} prefixes each; v0.9: ${addresses.length}); ` +
          `withdrawn in ${withdrawMs.toFixed(0)} ms (${withdrawUpdates} UPDATEs)`,
      );
    };
    await run(6, [...v6Addresses(V6_COUNT)]);
    await run(4, [...v4Addresses()]);
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    console.log(
      `peak RSS of the speaker side: ${mib(peakRss)} MiB (goal: under 64 MiB), of which ${mib(baselineRss)} MiB ` +
        `before any BGP work (the loaded modules and the bench's own); BGP work added ${mib(peakRss - baselineRss)} MiB`,
    );
    console.log(
      '(times include GoBGP taking the UPDATEs in and `gobgp global rib summary` polls of about 30-60 ms)',
    );
  } finally {
    clearInterval(sampler);
    await announcer.close();
    await stopAllRouters();
    await topology.destroy();
  }
}

await main();

/** An address as the speaker hands it to its BGP side: parsed, with its pool. */
function announcementIn(config: Config, text: string): Announcement {
  const parsed = parseIP(text);
  const announcement = parsed.ok ? announcementFor(config, parsed.value) : undefined;
  if (announcement === undefined) throw new Error(`${text} is no address of a pool`);
  return announcement;
}

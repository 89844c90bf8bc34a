/**
 * Layer-2 scale-out (docs/SCALEOUT.md) as a client sees it: how evenly a
 * Service's traffic spreads over the nodes, and what share of requests a
 * node failure costs, for a plain v0.9 layer 2 Service (one address, one
 * node carries everything) against a Service of a balancer class with three
 * addresses over three balancer nodes. Prints figures; asserts nothing.
 * Root only (network namespaces); run: node dist/bench/scaleout.js after a
 * build (npm run bench runs it when root). All traffic stays inside the
 * namespaces it builds (198.51.100.0/24, 203.0.113.0/24).
 *
 * One NetnsCluster of three labelled nodes (speaker processes, memberlist
 * with fast failover timings), a backend on every node answering with its
 * node's name. The client loops send one request every 20 ms on a new TCP
 * connection (200 ms timeout), round robin over the Service's addresses, as
 * clients spread over a name's A records.
 *
 * - Share: the share of requests each node served, in steady state.
 * - Outage: the node announcing the plain Service's address (which also
 *   holds one of the class Service's three) fails while both loops run; the
 *   share of requests lost from the failure until the failed node's address
 *   is served by another node. Two ways to fail: SIGKILL of the speaker
 *   alone (the node still serves what reaches it, so little is lost either
 *   way), and a crash (SIGKILL and the node's link down at once, as a dead
 *   machine), where everything sent to the failed node is lost until the
 *   takeover. The loops send one request at a time, so each lost request
 *   holds its loop for the 200 ms timeout: few are sent to a dead address,
 *   and the share lost is the figure to read, not the count.
 */
import {
  BALANCER_NODE_LABELS as BALANCER_LABEL,
  balancerClassText,
  NETNS_LAN_POOL as POOLS,
  NetnsCluster,
} from '../src/netns/cluster/index.js';
import { netnsUnavailable, type HttpProbeResult } from '../src/netns/index.js';

const RUNS = 3;
const NODES = 3;
const CLASSES = balancerClassText('edge', '203.0.113.160/28', 3);
type Failure = 'SIGKILL' | 'crash';

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const percent = (part: number, whole: number): string =>
  whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`;

class Bench {
  private readonly nodeByMac = new Map<string, string>();

  constructor(private readonly cluster: NetnsCluster) {}

  async init(): Promise<void> {
    for (let k = 1; k <= NODES; k++) {
      const mac = await this.cluster.topology.macOf(this.cluster.topology.nodeNamespace(k), 'eth0');
      this.nodeByMac.set(mac, this.cluster.nodeName(k));
    }
  }

  /** The node whose one MAC answers ARP for ip, or undefined (none, several, unknown). */
  async arpOwner(ip: string): Promise<string | undefined> {
    const macs = new Set(await this.cluster.topology.arping(ip));
    const [mac] = macs;
    return macs.size === 1 && mac !== undefined ? this.nodeByMac.get(mac) : undefined;
  }

  /** Every address answered by one node, the addresses of one Service on distinct nodes. */
  async owners(services: readonly (readonly string[])[]): Promise<Map<string, string>> {
    let result = new Map<string, string>();
    await waitFor(
      async () => {
        const ips = services.flat();
        const owners = await Promise.all(ips.map((ip) => this.arpOwner(ip)));
        if (owners.some((o) => o === undefined)) return false;
        result = new Map(ips.map((ip, i) => [ip, owners[i] ?? '']));
        return services.every(
          (ipsOf) => new Set(ipsOf.map((ip) => result.get(ip))).size === ipsOf.length,
        );
      },
      60_000,
      'every address answered by one node',
    );
    return result;
  }

  loop(ips: readonly string[], durationMs: number) {
    return this.cluster.topology.httpLoop({
      ip: ips,
      port: this.cluster.topology.backendPort,
      intervalMs: 20,
      durationMs,
      maxRequests: Math.ceil(durationMs / 20),
      timeoutMs: 200,
    });
  }

  /** The share of requests each node served over `ms` of steady traffic. */
  async shares(ips: readonly string[], ms: number): Promise<Map<string, number>> {
    const results = await this.loop(ips, ms).done;
    const counts = new Map<string, number>();
    for (let k = 1; k <= NODES; k++) counts.set(this.cluster.nodeName(k), 0);
    for (const r of results)
      if (r.ok && r.node !== null) counts.set(r.node, (counts.get(r.node) ?? 0) + 1);
    return new Map([...counts].map(([node, n]) => [node, n / results.length]));
  }

  /**
   * One failure of `victim` while a loop runs over each Service; per
   * Service, the ms until the victim's address was served elsewhere and the
   * share of requests lost meanwhile.
   */
  async outage(
    services: readonly (readonly string[])[],
    homes: Map<string, string>,
    victim: string,
    failure: Failure,
  ): Promise<{ ms: number; lost: number; sent: number }[]> {
    const k = this.cluster.nodeNumber(victim);
    const ns = this.cluster.topology.nodeNamespace(k);
    const loops = services.map((ips) => this.loop(ips, 40_000));
    try {
      await waitFor(
        () => loops.every((l) => l.results.filter((r) => r.ok).length >= 20),
        10_000,
        'the loops to get going',
      );
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1_000));
      const failedAt = Date.now();
      if (failure === 'crash')
        await Promise.all([
          this.cluster.stopSpeaker(k, 'SIGKILL'),
          this.cluster.topology.exec(ns, ['ip', 'link', 'set', 'eth0', 'down']),
        ]);
      else await this.cluster.stopSpeaker(k, 'SIGKILL');
      const movedIps = services.map((ips) => ips.filter((ip) => homes.get(ip) === victim));
      const takenOver = (i: number) => (r: HttpProbeResult) =>
        r.ok && r.t >= failedAt && movedIps[i]?.includes(r.host) === true && r.node !== victim;
      await waitFor(
        () => loops.every((l, i) => l.results.some(takenOver(i))),
        30_000,
        `the addresses of ${victim} served by another node`,
      );
      return loops.map((l, i) => {
        const doneAt = l.results.find(takenOver(i))?.t ?? Number.NaN;
        const window = l.results.filter((r) => r.t >= failedAt && r.t < doneAt);
        return {
          ms: doneAt - failedAt,
          lost: window.filter((r) => !r.ok).length,
          sent: window.length,
        };
      });
    } finally {
      for (const l of loops) l.stop();
      if (failure === 'crash')
        await this.cluster.topology.exec(ns, ['ip', 'link', 'set', 'eth0', 'up']);
      this.cluster.startSpeaker(k);
    }
  }
}

function outageSummary(rows: readonly { ms: number; lost: number; sent: number }[]): string {
  const lost = rows.reduce((sum, r) => sum + r.lost, 0);
  const sent = rows.reduce((sum, r) => sum + r.sent, 0);
  const runs = rows.map((r) => `${r.lost}/${r.sent} in ${r.ms} ms`).join(', ');
  return `${percent(lost, sent)} lost (${runs})`;
}

async function main(): Promise<void> {
  const cluster = await NetnsCluster.start({
    nodes: NODES,
    ipv6: false,
    fastFailover: true,
    config: POOLS,
    balancerClasses: CLASSES,
    nodeLabels: () => BALANCER_LABEL,
  });
  try {
    const bench = new Bench(cluster);
    await bench.init();
    const single = [await cluster.createService('single')];
    const spread = await cluster.createServiceIPs('spread', {
      balancerClass: 'edge',
      classVia: 'annotation',
      ipCount: 3,
    });
    const services = [single, spread];
    const homes = await bench.owners(services);
    const describe = (ips: readonly string[]) =>
      ips.map((ip) => `${ip} on ${homes.get(ip) ?? '?'}`).join(', ');
    console.log(`bench/scaleout: ${NODES} nodes, client loops every 20 ms, 200 ms timeout`);
    console.log(`  1 address  (layer 2 pool):    ${describe(single)}`);
    console.log(`  3 addresses (balancer class): ${describe(spread)}`);

    console.log('  share of requests per node, 10 s of steady traffic:');
    for (const [label, ips] of [
      ['1 address ', single],
      ['3 addresses', spread],
    ] as const) {
      const shares = await bench.shares(ips, 10_000);
      const even = 1 / NODES;
      const worst = Math.max(...[...shares.values()].map((s) => Math.abs(s - even) / even));
      const figures = [...shares].map(([node, s]) => `${node} ${percent(s, 1)}`).join(', ');
      console.log(
        `    ${label}: ${figures}; furthest from an even share by ${percent(worst, 1)} of it (goal with 3 addresses: within 10%)`,
      );
    }

    const [victim = ''] = single.map((ip) => homes.get(ip) ?? '');
    console.log(
      `  requests lost while ${victim} fails, until its address is served elsewhere, ${RUNS} runs each:`,
    );
    for (const failure of ['SIGKILL', 'crash'] as const) {
      const rows: { ms: number; lost: number; sent: number }[][] = [[], []];
      for (let run = 0; run < RUNS; run++) {
        // Back to the starting picture: every address on its node again.
        await waitFor(
          async () => {
            const now = await bench.owners(services);
            return [...homes].every(([ip, node]) => now.get(ip) === node);
          },
          60_000,
          'every address back home',
        );
        const outcome = await bench.outage(services, homes, victim, failure);
        outcome.forEach((row, i) => rows[i]?.push(row));
      }
      console.log(`    ${failure.padEnd(7)} 1 address:   ${outageSummary(rows[0] ?? [])}`);
      console.log(`    ${failure.padEnd(7)} 3 addresses: ${outageSummary(rows[1] ?? [])}`);
    }
    console.log(
      '  goal: with 3 addresses at most about a third of requests lost during a crash, against all of them with 1',
    );
  } finally {
    await cluster.stop();
  }
}

const why = netnsUnavailable(['ip', 'arping', 'curl']);
if (why !== undefined) console.log(`bench/scaleout: skipped (${why})`);
else await main();

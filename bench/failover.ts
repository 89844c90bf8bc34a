/**
 * Layer 2 failover as a client sees it. Prints figures; asserts nothing.
 * Root only (network namespaces); run: node dist/bench/failover.js after a
 * build (npm run bench runs it when root). All traffic stays inside the
 * namespaces it builds (198.51.100.0/24, 203.0.113.0/24).
 *
 * One NetnsCluster of three nodes (speaker processes, memberlist on the
 * node addresses), one Service with a backend on every node. Each run: a
 * client loop sends a request every 20 ms (new TCP connection, 200 ms
 * timeout); the announcing node is then failed in one of three ways, and
 * the figure is the time from the failure to the first request served by
 * the node that takes over, and the requests lost meanwhile:
 *
 * - SIGKILL: the speaker process is killed; the node itself keeps serving
 *   what still reaches it, so few requests fail.
 * - SIGTERM: the speaker leaves memberlist, then stops answering.
 * - crash: SIGKILL and the node's link down at once, as a dead machine:
 *   every request fails until the new node's gratuitous ARP lands.
 *
 * After each run the speaker (and link) come back and the first node takes
 * the address back before the next run. Fast failover timings
 * (`--fast-failover`) are the speaker's; the crash is also run with v0.9's
 * LAN timings for comparison.
 */
import { createHash } from 'node:crypto';
import { NetnsCluster } from '../src/netns/cluster/index.js';
import { netnsUnavailable } from '../src/netns/index.js';

const RUNS = 5;
type Failure = 'SIGKILL' | 'SIGTERM' | 'crash';

function firstInHashOrder(service: string, nodes: readonly string[]): string[] {
  const hash = (node: string) => createHash('sha256').update(`${node}#${service}`).digest('hex');
  return [...nodes].sort((a, b) => (hash(a) < hash(b) ? -1 : 1));
}

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measure(fast: boolean, failures: readonly Failure[], runs: number) {
  const cluster = await NetnsCluster.start({ nodes: 3, ipv6: false, fastFailover: fast });
  const results = new Map<Failure, { ms: number; lost: number }[]>();
  try {
    const ip = await cluster.createService('web');
    const [first = '', second = ''] = firstInHashOrder('default/web', ['n1', 'n2', 'n3']);
    const k = cluster.nodeNumber(first);
    const ns = cluster.topology.nodeNamespace(k);
    const macOf = async (node: string) =>
      cluster.topology.macOf(cluster.topology.nodeNamespace(cluster.nodeNumber(node)), 'eth0');
    const firstMac = await macOf(first);
    const servedByFirst = async () => {
      const macs = await cluster.topology.arping(ip);
      return macs.length > 0 && macs.every((m) => m === firstMac);
    };
    for (const failure of failures) {
      const rows: { ms: number; lost: number }[] = [];
      for (let run = 0; run < runs; run++) {
        await waitFor(servedByFirst, 60_000, `${first} to announce ${ip}`);
        // Let the client's neighbour entry settle on the first node.
        await waitFor(
          async () => (await cluster.topology.httpGet(ip, cluster.topology.backendPort)) === first,
          10_000,
          'a request through the first node',
        );
        const loop = cluster.topology.httpLoop({
          ip,
          port: cluster.topology.backendPort,
          intervalMs: 20,
          durationMs: 30_000,
          maxRequests: 1_500,
          timeoutMs: 200,
        });
        await waitFor(() => loop.results.filter((r) => r.ok).length >= 10, 5_000, 'the loop');
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 1_000));
        const failedAt = Date.now();
        if (failure === 'crash')
          await Promise.all([
            cluster.stopSpeaker(k, 'SIGKILL'),
            cluster.topology.exec(ns, ['ip', 'link', 'set', 'eth0', 'down']),
          ]);
        else await cluster.stopSpeaker(k, failure);
        await waitFor(
          () => loop.results.some((r) => r.ok && r.node === second && r.t >= failedAt),
          30_000,
          `a request served by ${second}`,
        );
        loop.stop();
        const firstNew = loop.results.find((r) => r.ok && r.node === second && r.t >= failedAt);
        const lost = loop.results.filter(
          (r) => !r.ok && r.t >= failedAt && r.t < (firstNew?.t ?? 0),
        ).length;
        rows.push({ ms: (firstNew?.t ?? Number.NaN) - failedAt, lost });
        if (failure === 'crash')
          await cluster.topology.exec(ns, ['ip', 'link', 'set', 'eth0', 'up']);
        cluster.startSpeaker(k);
      }
      results.set(failure, rows);
    }
  } finally {
    await cluster.stop();
  }
  return results;
}

function summary(rows: readonly { ms: number; lost: number }[]): string {
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)] ?? Number.NaN;
  const max = ms[ms.length - 1] ?? Number.NaN;
  const lost = rows.map((r) => r.lost);
  return `median ${(median / 1000).toFixed(2)} s, max ${(max / 1000).toFixed(2)} s, requests lost per run ${lost.join('/')} (${rows.map((r) => r.ms).join(', ')} ms)`;
}

const why = netnsUnavailable(['ip', 'arping', 'curl']);
if (why !== undefined) {
  console.log(`bench/failover: skipped (${why})`);
} else {
  console.log(`bench/failover: ${RUNS} runs each, 3 nodes, client loop every 20 ms`);
  const fast = await measure(true, ['SIGKILL', 'SIGTERM', 'crash'], RUNS);
  for (const [failure, rows] of fast)
    console.log(`  --fast-failover ${failure.padEnd(7)}: ${summary(rows)}`);
  const lan = await measure(false, ['crash'], 3);
  for (const [failure, rows] of lan)
    console.log(`  LAN timings     ${failure.padEnd(7)}: ${summary(rows)}`);
}

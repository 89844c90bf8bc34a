/**
 * Allocation speed: 1k, 10k and 100k Services into one IPv4 /15 and into
 * IPv6 pools, and how the time grows (t(100k)/t(10k); linear would be 10).
 * The time spent in garbage collection is printed beside each figure, and
 * the ratio without it, since a 10k run fits V8's young generation and a
 * 100k run does not. Prints figures; asserts nothing. Run: npm run bench
 *
 * Nothing is sent anywhere: addresses are numbers in the RFC 2544
 * benchmarking block and in 2001:db8::/32.
 */
import { performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Allocator, type Claim } from '../src/allocator/index.js';
import { parseConfig } from '../src/config/index.js';
import type { Family } from '../src/ip/index.js';

const CLAIM: Claim = { ports: [{ protocol: 'TCP', port: 443 }], sharingKey: '', backendKey: '' };
const RUNS = 5;

const gcEntries: PerformanceEntry[] = [];
const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
observer.observe({ entryTypes: ['gc'] });

interface Timing {
  total: number;
  gc: number;
}

async function timeAllocations(cidr: string, family: Family, services: number): Promise<Timing> {
  const parsed = parseConfig(
    `address-pools:\n- name: bench\n  protocol: layer2\n  addresses: [${cidr}]\n`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const allocator = new Allocator();
  allocator.setPools(parsed.config);
  const start = performance.now();
  for (let i = 0; i < services; i++) {
    const result = allocator.allocate(`bench/svc-${i}`, family, CLAIM);
    if (!result.ok) throw new Error(`allocation ${i} failed: ${result.error}`);
  }
  const end = performance.now();
  await sleep(50); // GC entries are delivered some time after the synchronous loop
  const gc = gcEntries
    .filter((e) => e.startTime >= start && e.startTime < end)
    .reduce((sum, e) => sum + e.duration, 0);
  return { total: end - start, gc };
}

/** The fastest of several runs, so one unlucky collection does not decide the figure. */
async function best(cidr: string, family: Family, services: number): Promise<Timing> {
  let fastest: Timing | undefined;
  for (let run = 0; run < RUNS; run++) {
    const timing = await timeAllocations(cidr, family, services);
    if (fastest === undefined || timing.total < fastest.total) fastest = timing;
  }
  return fastest as Timing;
}

async function report(label: string, cidr: string, family: Family, sizes: number[]): Promise<void> {
  const times = new Map<number, Timing>();
  for (const n of sizes) {
    const t = await best(cidr, family, n);
    times.set(n, t);
    const perSecond = Math.round((n / t.total) * 1000).toLocaleString('en-US');
    console.log(
      `${label} ${cidr}: ${n.toLocaleString('en-US').padStart(7)} Services in ${t.total.toFixed(1).padStart(6)} ms` +
        ` (GC ${t.gc.toFixed(1)} ms), ${perSecond} allocations/s`,
    );
  }
  const large = times.get(100_000);
  const small = times.get(10_000);
  if (large !== undefined && small !== undefined) {
    const withoutGc = (large.total - large.gc) / (small.total - small.gc);
    console.log(
      `${label} ${cidr}: t(100k)/t(10k) = ${(large.total / small.total).toFixed(2)}, without GC time ${withoutGc.toFixed(2)}`,
    );
  }
}

await timeAllocations('198.18.0.0/15', 4, 10_000); // warm-up
await report('IPv4', '198.18.0.0/15', 4, [1_000, 10_000, 100_000]);
// A /112 holds 65,536 addresses: 100k Services cannot fit, so it is filled to the last one.
await report('IPv6', '2001:db8::/112', 6, [1_000, 10_000, 65_536]);
await report('IPv6', '2001:db8::/64', 6, [1_000, 10_000, 100_000]);
observer.disconnect();

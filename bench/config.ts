/**
 * Time to parse and validate a config with 1,000 pools and 10,000 ranges.
 * Prints figures; asserts nothing. Run: npm run bench
 *
 * The config is only parsed: no packet is sent. Addresses come from the
 * RFC 2544 benchmarking block (198.18.0.0/15) and 2001:db8::/32.
 */
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/index.js';
import { formatIP } from '../src/ip/index.js';

const POOLS = 1000;
const RANGES_PER_POOL = 10;
const RUNS = 7;

const IPV4_BENCHMARK_BLOCK = 0xc6120000n; // 198.18.0.0
const IPV6_DOCUMENTATION = 0x20010db8n << 96n; // 2001:db8::

/** Half the pools IPv4, half IPv6; each range 20 addresses, unaligned, so each splits into several prefixes. */
function makeConfig(): string {
  const lines = ['address-pools:'];
  for (let p = 0; p < POOLS; p++) {
    const ipv6 = p % 2 === 1;
    lines.push(
      `- name: pool-${p}`,
      `  protocol: ${ipv6 ? 'layer2' : p % 4 === 0 ? 'bgp' : 'layer2'}`,
      '  addresses:',
    );
    for (let r = 0; r < RANGES_PER_POOL; r++) {
      const slot = BigInt(p * RANGES_PER_POOL + r);
      const first = ipv6
        ? IPV6_DOCUMENTATION + (slot << 16n) + 3n
        : IPV4_BENCHMARK_BLOCK + slot * 24n + 3n;
      const family = ipv6 ? 6 : 4;
      lines.push(
        `  - ${formatIP({ family, value: first })}-${formatIP({ family, value: first + 19n })}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const text = makeConfig();
const times: number[] = [];
let prefixes = 0;
parseConfig(text); // warm-up: JIT and the schema compiler
for (let run = 0; run < RUNS; run++) {
  const start = performance.now();
  const result = parseConfig(text);
  times.push(performance.now() - start);
  if (!result.ok) {
    console.error(`the generated config is invalid: ${JSON.stringify(result.errors.slice(0, 3))}`);
    process.exit(1);
  }
  prefixes = result.config.pools.reduce((n, pool) => n + pool.cidrs.length, 0);
}
times.sort((a, b) => a - b);
const ms = (t: number | undefined): string => `${(t ?? NaN).toFixed(1)} ms`;
console.log(
  `config: ${POOLS} pools, ${POOLS * RANGES_PER_POOL} ranges -> ${prefixes} prefixes, ${(text.length / 1024).toFixed(0)} KiB of YAML`,
);
console.log(
  `parse + validate over ${RUNS} runs: median ${ms(times[Math.floor(RUNS / 2)])}, min ${ms(times[0])}, max ${ms(times[RUNS - 1])}`,
);

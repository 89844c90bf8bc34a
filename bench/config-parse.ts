/**
 * What a config parse costs a daemon (src/daemon/config-parser.ts): the
 * slowest configs of at most 4 KiB this script builds, parsed on the event
 * loop as the daemons parse them (how long one such slice holds the loop),
 * and the memory the worker thread for larger configs adds to the process.
 * Prints figures; asserts nothing. Run: npm run bench
 *
 * Only text is parsed: no packet is sent to any address in it.
 */
import { performance } from 'node:perf_hooks';
import { parseConfigData } from '../src/config/index.js';
import { CONFIG_PARSE_INLINE_MAX_BYTES, ConfigParser } from '../src/daemon/index.js';

const RUNS = 30;

/** Repeats `line(i)` after `head` while the text stays within the inline bound, less `reserve` bytes. */
function filled(head: string, line: (i: number) => string, reserve = 0): string {
  let text = head;
  for (let i = 0; ; i++) {
    const next = text + line(i);
    if (Buffer.byteLength(next) > CONFIG_PARSE_INLINE_MAX_BYTES - reserve) return text;
    text = next;
  }
}

const POOL = 'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n';

/** Shapes that make the parser work hardest per byte. */
const SHAPES: Record<string, string> = {
  // Each unknown key gets a "did you mean" (an edit distance to every known key).
  'unknown keys': filled(POOL, (i) => `  adresses${i}: x\n`),
  pools: filled(
    'address-pools:\n',
    (i) => `- {name: p${i}, protocol: layer2, addresses: [198.51.100.${i % 256}/32]}\n`,
  ),
  'ranges (split into prefixes)': filled(
    'address-pools:\n- name: r\n  protocol: layer2\n  addresses:\n',
    (i) => `  - 2001:db8:${i.toString(16)}::1-2001:db8:${i.toString(16)}::fffe\n`,
  ),
  peers: filled(
    'peers:\n',
    (i) => `- {peer-address: 203.0.113.${i % 250}, peer-asn: ${64500 + i}, my-asn: 64500}\n`,
  ),
  'aliases (within the alias budget)':
    filled(`${POOL}bgp-communities: &c {a: "65535:1"}\nx: [`, () => '*c, ', 2) + ']\n',
  'nesting (to the 1,000-level bound)': `${POOL}x: ${'['.repeat(1000)}${']'.repeat(1000)}\n`,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

// First, while the process holds nothing else: what the worker thread adds to it.
const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500));
await settle();
const before = rssMiB();
const parser = new ConfigParser({ inlineMaxBytes: 0 });
await parser.parse({ config: POOL });
await settle();
const withWorker = rssMiB();
await parser.close();
console.log(
  `resident memory: ${before.toFixed(0)} MiB, ${withWorker.toFixed(0)} MiB with the worker thread started (+${(withWorker - before).toFixed(0)} MiB)`,
);

console.log(
  `config parse on the event loop, data of at most ${CONFIG_PARSE_INLINE_MAX_BYTES} bytes, ${RUNS} runs each:`,
);
for (const [shape, text] of Object.entries(SHAPES)) {
  const data = { config: text };
  parseConfigData(data);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    parseConfigData(data);
    times.push(performance.now() - start);
  }
  const result = parseConfigData(data);
  console.log(
    `  ${shape.padEnd(36)} ${String(Buffer.byteLength(text)).padStart(5)} bytes  median ${median(times).toFixed(2)} ms  max ${Math.max(...times).toFixed(2)} ms  (${result.ok ? 'valid' : `${result.errors.length} errors`})`,
  );
}

/** 1 MiB configs, valid ones, as the daemons' worker takes them at the default bounds. */
const LARGE_BYTES = 1_000_000;
function large(head: string, line: (i: number) => string): string {
  let text = head;
  for (let i = 0; ; i++) {
    const next = line(i);
    if (text.length + next.length > LARGE_BYTES) return text;
    text += next;
  }
}
const hex = (n: number): string => n.toString(16);
const LARGE: Record<string, string> = {
  'pools, one /24 each': large(
    'address-pools:\n',
    (i) => `- {name: p${i}, protocol: layer2, addresses: [10.${i >> 8}.${i & 255}.0/24]}\n`,
  ),
  'peers with node selectors': large(
    'peers:\n',
    (i) =>
      `- {peer-address: 203.0.113.${i % 250}, peer-asn: ${64500 + i}, my-asn: 64500, node-selectors: [{match-labels: {rack: r${i}}}]}\n`,
  ),
  'IPv6 ranges of ~30 prefixes each': large(
    'address-pools:\n- name: r\n  protocol: layer2\n  addresses:\n',
    (i) => `  - 2001:db8:${hex(i)}::1-2001:db8:${hex(i)}::fffe\n`,
  ),
};
console.log('1 MiB configs in the worker thread, default bounds (30 s, 128 MiB heap):');
for (const [shape, text] of Object.entries(LARGE)) {
  const parser = new ConfigParser({ inlineMaxBytes: 0 });
  const start = performance.now();
  const result = await parser.parse({ config: text });
  const took = performance.now() - start;
  await parser.close();
  const outcome = result.ok
    ? `taken, ${result.config.pools.reduce((n, p) => n + p.cidrs.length, 0)} prefixes, ${result.config.peers.length} peers`
    : result.errors[0]?.message;
  console.log(`  ${shape.padEnd(36)} ${(took / 1000).toFixed(2)} s  ${outcome}`);
}

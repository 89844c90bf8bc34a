/**
 * ConfigMap data parsed in a worker thread (src/daemon/config-parser.ts):
 * the same result as parseConfigData, an event loop that keeps answering
 * while a slow config parses, refusals past the time and heap bounds, and
 * the order of requests kept.
 */
import { expect } from 'chai';
import { parseConfigData } from '../../src/config/index.js';
import {
  CONFIG_PARSE_INLINE_MAX_BYTES,
  ConfigParser,
  type ConfigParserOptions,
} from '../../src/daemon/index.js';
import { manyPools as manyPoolsText } from './many-pools.js';

/** ConfigMap data of `count` pools (many-pools.ts). */
const manyPools = (count: number): { config: string } => ({ config: manyPoolsText(count) });

const SMALL = {
  config:
    'peers:\n- peer-address: 192.0.2.1\n  peer-asn: 64500\n  my-asn: 64501\n' +
    'bgp-communities:\n  no-export: 65535:65281\n' +
    'address-pools:\n- name: b\n  protocol: bgp\n  addresses: [198.51.100.0/24]\n' +
    '  bgp-advertisements:\n  - communities: [no-export]\n',
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How often a 10 ms timer ran while `work` was under way, and its result. */
async function timerTicksDuring<T>(work: () => Promise<T>): Promise<{ ticks: number; value: T }> {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  try {
    await sleep(30);
    const before = ticks;
    const value = await work();
    return { ticks: ticks - before, value };
  } finally {
    clearInterval(ticker);
  }
}

describe('ConfigParser (a worker thread)', function () {
  this.timeout(60_000);
  const parsers: ConfigParser[] = [];
  /** A parser that sends everything to its worker, unless `options` say otherwise. */
  const parser = (options: ConfigParserOptions = {}): ConfigParser => {
    const made = new ConfigParser({ inlineMaxBytes: 0, ...options });
    parsers.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(parsers.splice(0).map((p) => p.close()));
  });

  it("gives parseConfigData's result, Maps and bigints included, and its errors", async () => {
    const p = parser();
    for (const data of [SMALL, { config: 'address-pools: [' }, { config: '' }, manyPools(50)])
      expect(await p.parse(data)).to.deep.equal(parseConfigData(data));
    const ok = await p.parse(SMALL);
    expect(ok.ok && ok.config.communities).to.be.instanceOf(Map);
    expect(ok.ok && typeof ok.config.pools[0]?.addressCount).to.equal('bigint');
  });

  it('parses data of at most 4 KiB on the event loop without a worker, larger data in the worker, in the order asked', async () => {
    const p = parser({ inlineMaxBytes: CONFIG_PARSE_INLINE_MAX_BYTES });
    const order: string[] = [];
    const large = manyPools(200);
    expect(Buffer.byteLength(large.config)).to.be.greaterThan(CONFIG_PARSE_INLINE_MAX_BYTES);
    expect(await p.parse(SMALL)).to.deep.equal(parseConfigData(SMALL));
    expect(p.hasWorker).to.equal(false);
    await Promise.all([
      p.parse(large).then((r) => order.push(r.ok ? 'large' : 'large refused')),
      p.parse(SMALL).then(() => order.push('small')),
    ]);
    expect(order).to.deep.equal(['large', 'small']);
    expect(p.hasWorker).to.equal(true);
    expect(await p.parse(large)).to.deep.equal(parseConfigData(large));
  });

  it('leaves the event loop running while a slow config parses, where a parse on it runs nothing', async () => {
    const p = parser();
    await p.parse(SMALL); // the worker is up
    const slow = manyPools(12_000);
    const started = performance.now();
    const { ticks, value } = await timerTicksDuring(() => p.parse(slow));
    const took = Math.round(performance.now() - started);
    expect(value.ok).to.equal(true);
    // A 12,000-pool parse takes a second or more: a free loop runs its 10 ms timer many times.
    expect(ticks, `ticks of a 10 ms timer during a ${took} ms parse`).to.be.at.least(5);
    // The same parse on the event loop: the timer cannot run until it ends.
    const inline = await timerTicksDuring(() => Promise.resolve(parseConfigData(slow)));
    expect(inline.ticks).to.equal(0);
    expect(value).to.deep.equal(inline.value);
  });

  it('refuses a parse past its time bound with a clear error, and parses the next one', async () => {
    const p = parser({ timeoutMs: 200 });
    const result = await p.parse(manyPools(12_000));
    expect(result).to.deep.equal({
      ok: false,
      errors: [
        {
          path: '',
          line: null,
          message: 'parsing took longer than 0.2 s and was stopped: config refused',
        },
      ],
    });
    expect(await p.parse(SMALL)).to.deep.equal(parseConfigData(SMALL));
  });

  it('takes a 1 MiB config of 16,000 pools within the default bounds (30 s, 128 MiB)', async () => {
    const data = manyPools(16_000);
    expect(data.config.length).to.be.within(1_000_000, 1 << 20);
    const result = await parser().parse(data);
    expect(result.ok && result.config.pools.length).to.equal(16_000);
  });

  it('refuses a parse past its heap bound instead of taking the process down', async () => {
    // 16,000 pools take 40-48 MiB (bench/config-parse): well past this bound, whatever the GC does.
    const p = parser({ maxHeapMb: 16, timeoutMs: 30_000 });
    const result = await p.parse(manyPools(16_000));
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.errors[0]?.message).to.equal(
      'parsing needed more than 16 MiB and was stopped: config refused',
    );
    expect(await p.parse(SMALL)).to.deep.equal(parseConfigData(SMALL));
  });

  it('answers in the order asked, a refused request included', async () => {
    const p = parser({ timeoutMs: 200 });
    const order: string[] = [];
    const asked = [
      p.parse(manyPools(20)).then(() => order.push('first')),
      p.parse(manyPools(12_000)).then((r) => order.push(r.ok ? 'slow' : 'slow refused')),
      p.parse({ config: 'x: [' }).then(() => order.push('broken')),
      p.parse(SMALL).then(() => order.push('last')),
    ];
    await Promise.all(asked);
    expect(order).to.deep.equal(['first', 'slow refused', 'broken', 'last']);
  });
});

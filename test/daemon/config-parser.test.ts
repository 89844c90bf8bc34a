/**
 * ConfigMap data parsed in a worker thread (src/daemon/config-parser.ts):
 * the same result as parseConfigData, an event loop that keeps answering
 * while a slow config parses, refusals past the time and heap bounds, and
 * the order of requests kept.
 */
import { expect } from 'chai';
import { parseConfigData } from '../../src/config/index.js';
import { ConfigParser } from '../../src/daemon/index.js';
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

/** The longest gap between ticks of a 10 ms timer from 30 ms before `work` starts to 30 ms after it ends. */
async function longestTimerLag<T>(work: () => Promise<T>): Promise<{ lag: number; value: T }> {
  let last = performance.now();
  let lag = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 10);
    last = now;
  }, 10);
  try {
    await sleep(30);
    const value = await work();
    await sleep(30);
    return { lag, value };
  } finally {
    clearInterval(ticker);
  }
}

describe('ConfigParser (a worker thread)', function () {
  this.timeout(60_000);
  const parsers: ConfigParser[] = [];
  const parser = (options = {}): ConfigParser => {
    const made = new ConfigParser(options);
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

  it('leaves the event loop answering while a slow config parses (a 10 ms timer late by under 250 ms)', async () => {
    const p = parser();
    await p.parse(SMALL); // the worker is up
    const slow = manyPools(12_000);
    const started = performance.now();
    const { lag, value } = await longestTimerLag(() => p.parse(slow));
    const took = performance.now() - started;
    expect(value.ok).to.equal(true);
    expect(took, 'the parse is slow enough to show a stall').to.be.above(300);
    expect(lag, `timer lag during a ${Math.round(took)} ms parse`).to.be.below(250);
    // The same parse on the event loop holds the timer for all of it.
    const inline = await longestTimerLag(() => Promise.resolve(parseConfigData(slow)));
    expect(inline.lag).to.be.above(300);
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
    const p = parser({ maxHeapMb: 24, timeoutMs: 30_000 });
    const result = await p.parse(manyPools(8000));
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.errors[0]?.message).to.equal(
      'parsing needed more than 24 MiB and was stopped: config refused',
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

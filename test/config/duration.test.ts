import { expect } from 'chai';
import { parseGoDuration } from '../../src/config/index.js';

const S = 1_000_000_000n;

describe('config/duration: Go time.ParseDuration', () => {
  const valid: [string, bigint][] = [
    ['0', 0n],
    ['-0', 0n],
    ['+0', 0n],
    ['90s', 90n * S],
    ['3m', 180n * S],
    ['1m30s', 90n * S],
    ['1.5m', 90n * S],
    ['2h', 7200n * S],
    ['1h2m3s4ms5us6ns', 3723n * S + 4_005_006n],
    ['1.5s', 1_500_000_000n],
    ['.5s', 500_000_000n],
    ['5.s', 5n * S],
    ['-90s', -90n * S],
    ['100ms', 100_000_000n],
    ['10\u00b5s', 10_000n],
    ['10\u03bcs', 10_000n],
    ['0s', 0n],
    ['2562047h47m16.854775807s', (1n << 63n) - 1n],
  ];
  for (const [text, nanoseconds] of valid) {
    it(`reads ${JSON.stringify(text)}`, () => {
      expect(parseGoDuration(text)).to.deep.equal({ ok: true, value: nanoseconds });
    });
  }

  const invalid: [string, string][] = [
    ['', 'expected a number'],
    ['90', 'missing unit'],
    ['1:30', 'unknown unit'],
    ['s', 'expected a number'],
    ['.s', 'a "." needs digits'],
    ['90sec', 'unknown unit "sec"'],
    ['1 m', 'unknown unit'],
    ['90S', 'unknown unit "S"'],
    ['--1s', 'expected a number'],
    ['9223372036854775808ns', 'too large'],
    ['3000000h', 'too large'],
  ];
  for (const [text, why] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const result = parseGoDuration(text);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.error).to.include(why);
    });
  }
});

/**
 * Property tests for the IP module, seeded so that a failure is reproducible.
 */

import { expect } from 'chai';
import fc from 'fast-check';
import type { Cidr, Family, IPAddress, IPRange } from '../../src/ip/index.js';
import {
  bitLength,
  cidrContains,
  cidrFirst,
  cidrLast,
  cidrSize,
  cidrsOverlap,
  formatIP,
  ipEquals,
  makeCidr,
  maxValue,
  nthAddress,
  parseIP,
  rangeToCidrs,
} from '../../src/ip/index.js';

const RUNS = { seed: 42, numRuns: 500 };
const families: Family[] = [4, 6];

/** Address values biased towards the interesting places: 0, the top, and powers of two. */
function valueArb(family: Family): fc.Arbitrary<bigint> {
  const max = maxValue(family);
  const bits = bitLength(family);
  return fc.oneof(
    fc.bigInt({ min: 0n, max }),
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.bigInt({ min: max - 1000n, max }),
    fc
      .tuple(fc.integer({ min: 0, max: bits - 1 }), fc.bigInt({ min: -3n, max: 3n }))
      .map(([bit, delta]) => clamp((1n << BigInt(bit)) + delta, max)),
  );
}

function clamp(value: bigint, max: bigint): bigint {
  if (value < 0n) return 0n;
  return value > max ? max : value;
}

/** Ranges of every size: arbitrary, tiny, huge (near both ends), and single addresses. */
function rangeArb(family: Family): fc.Arbitrary<IPRange> {
  const max = maxValue(family);
  const value = valueArb(family);
  const make = (a: bigint, b: bigint): IPRange =>
    a <= b ? { family, first: a, last: b } : { family, first: b, last: a };
  return fc.oneof(
    fc.tuple(value, value).map(([a, b]) => make(a, b)),
    fc.tuple(value, fc.bigInt({ min: 0n, max: 300n })).map(([a, d]) => make(a, clamp(a + d, max))),
    fc
      .tuple(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: max - 1000n, max }))
      .map(([a, b]) => make(a, b)),
    value.map((a) => make(a, a)),
  );
}

function cidrArb(family: Family): fc.Arbitrary<Cidr> {
  return fc
    .tuple(valueArb(family), fc.integer({ min: 0, max: bitLength(family) }))
    .map(([value, length]) => makeCidr(family, value, length));
}

/** An address in a random spot relative to a prefix: inside, at or just past an edge, anywhere. */
function addressNear(c: Cidr): fc.Arbitrary<IPAddress> {
  const max = maxValue(c.family);
  const first = c.base;
  const last = c.base + (1n << BigInt(bitLength(c.family) - c.prefixLength)) - 1n;
  return fc
    .oneof(
      fc.constantFrom(first, last, first - 1n, last + 1n),
      fc.bigInt({ min: first, max: last }),
      fc.bigInt({ min: 0n, max }),
    )
    .map((value) => ({ family: c.family, value: clamp(value, max) }));
}

// ---- independent reference for property 1 ----

/**
 * Minimum number of CIDR prefixes covering first..last, counted by walking the prefix tree from
 * the whole space: a block inside the range counts once, a block outside counts zero, and a
 * block that straddles an end is split into its two halves. Touches O(bits) blocks.
 */
function referenceCount(first: bigint, last: bigint, base: bigint, hostBits: bigint): number {
  const end = base + (1n << hostBits) - 1n;
  if (end < first || base > last) return 0;
  if (first <= base && end <= last) return 1;
  const half = 1n << (hostBits - 1n);
  return (
    referenceCount(first, last, base, hostBits - 1n) +
    referenceCount(first, last, base + half, hostBits - 1n)
  );
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function blockEnd(c: Cidr): bigint {
  return c.base + (1n << BigInt(bitLength(c.family) - c.prefixLength)) - 1n;
}

describe('ip properties', () => {
  for (const family of families) {
    describe(`IPv${family}`, () => {
      const bits = bitLength(family);

      it('rangeToCidrs covers exactly the range with the minimal ascending list', () => {
        fc.assert(
          fc.property(rangeArb(family), (r) => {
            const cidrs = rangeToCidrs(r);
            // Plain checks in the per-prefix loop: chai is too slow for ~10^5 calls per test.
            check(cidrs.length > 0, 'empty result');
            check(cidrs.length <= Math.max(1, 2 * bits - 2), `${cidrs.length} prefixes`);

            // The first starts at first, each next one starts right after the previous ends,
            // and the last ends at last: ascending, disjoint, no gap, so exactly first..last.
            let expectedBase = r.first;
            let prev: Cidr | undefined;
            for (const c of cidrs) {
              check(c.family === family, 'family');
              check(c.prefixLength >= 0 && c.prefixLength <= bits, `length ${c.prefixLength}`);
              const size = 1n << BigInt(bits - c.prefixLength);
              check(c.base % size === 0n, `base of /${c.prefixLength} not aligned`);
              check(c.base === expectedBase, `gap or overlap at ${c.base}`);
              // Minimal: two sibling halves of one aligned block would have been one prefix.
              if (prev !== undefined) {
                const siblings =
                  prev.prefixLength === c.prefixLength &&
                  prev.base >> BigInt(bits - c.prefixLength + 1) ===
                    c.base >> BigInt(bits - c.prefixLength + 1);
                check(!siblings, `mergeable neighbours at ${prev.base}/${prev.prefixLength}`);
              }
              expectedBase = blockEnd(c) + 1n;
              prev = c;
            }
            expect(expectedBase - 1n, 'the last prefix ends at last').to.equal(r.last);

            expect(cidrs.length).to.equal(referenceCount(r.first, r.last, 0n, BigInt(bits)));
          }),
          RUNS,
        );
      });

      it('parseIP(formatIP(x)) round-trips', () => {
        const groupArb = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffffn }));
        // IPv6 values with many zero groups, so that "::" placement is exercised.
        const sparse = fc
          .array(groupArb, { minLength: 8, maxLength: 8 })
          .map((groups) => groups.reduce((acc, g) => (acc << 16n) | g, 0n));
        const mapped = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((v) => (0xffffn << 32n) | v);
        const value = family === 4 ? valueArb(4) : fc.oneof(valueArb(6), sparse, mapped);
        fc.assert(
          fc.property(value, (v) => {
            const address: IPAddress = { family, value: v };
            const text = formatIP(address);
            expect(parseIP(text)).to.deep.equal({ ok: true, value: address });
            if (family === 6) {
              expect(text).not.to.contain(':::');
              expect(text.split('::').length).to.be.at.most(2);
              expect(text).to.equal(text.toLowerCase());
              for (const group of text.split(/[:.]/)) {
                if (group.length > 1) expect(group, text).not.to.match(/^0/);
              }
            } else {
              expect(text).to.match(/^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/);
            }
          }),
          RUNS,
        );
      });

      it('cidrContains and cidrsOverlap agree with first/last arithmetic', () => {
        const pair = cidrArb(family).chain((a) =>
          fc.tuple(
            fc.constant(a),
            fc.oneof(
              cidrArb(family),
              // Often related to a: built from an address inside or next to it.
              fc
                .tuple(addressNear(a), fc.integer({ min: 0, max: bits }))
                .map(([ip, length]) => makeCidr(family, ip.value, length)),
            ),
            addressNear(a),
          ),
        );
        fc.assert(
          fc.property(pair, ([a, b, ip]) => {
            const aFirst = cidrFirst(a).value;
            const aLast = cidrLast(a).value;
            expect(aLast - aFirst + 1n).to.equal(cidrSize(a));
            expect(cidrContains(a, ip)).to.equal(ip.value >= aFirst && ip.value <= aLast);
            const bFirst = cidrFirst(b).value;
            const bLast = cidrLast(b).value;
            const overlap = aFirst <= bLast && bFirst <= aLast;
            expect(cidrsOverlap(a, b)).to.equal(overlap);
            expect(cidrsOverlap(b, a)).to.equal(overlap);
            // Prefixes either nest or are disjoint.
            if (overlap) {
              const nested = cidrContains(a, cidrFirst(b)) || cidrContains(b, cidrFirst(a));
              expect(nested, 'overlapping prefixes nest').to.equal(true);
            }

            expect(nthAddress(a, 0n)).to.deep.equal(cidrFirst(a));
            expect(nthAddress(a, cidrSize(a) - 1n)).to.deep.equal(cidrLast(a));
            expect(() => nthAddress(a, cidrSize(a))).to.throw(RangeError);
            expect(() => nthAddress(a, -1n)).to.throw(RangeError);

            // Across families, nothing is contained and nothing overlaps.
            const other: Family = family === 4 ? 6 : 4;
            expect(cidrContains(a, { family: other, value: ip.value & maxValue(other) })).to.equal(
              false,
            );
            expect(cidrsOverlap(a, makeCidr(other, 0n, 0))).to.equal(false);
          }),
          RUNS,
        );
      });
    });
  }

  describe('parsing many text forms', () => {
    it('parses non-canonical IPv6 text (any case, padding, any "::" run) to the same value', () => {
      const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
        minLength: 8,
        maxLength: 8,
      });
      const style = fc.record({
        upper: fc.boolean(),
        pad: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        compress: fc.nat(),
        dotted: fc.boolean(),
      });
      fc.assert(
        fc.property(groups, style, (words, s) => {
          const value = words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
          let parts = words.map((w, i) => {
            const hex = w.toString(16);
            return s.pad[i] ? hex.padStart(4, '0') : hex;
          });
          if (s.dotted) {
            const low = Number(value & 0xffffffffn);
            const dotted = [24, 16, 8, 0].map((shift) => String((low >>> shift) & 0xff)).join('.');
            parts = [...parts.slice(0, 6), dotted];
          }
          // Compress one run of zero groups (any run of length >= 1, not just the longest).
          const runs: [number, number][] = [];
          for (let i = 0; i < parts.length; i++) {
            if (!/^0+$/.test(parts[i] ?? '')) continue;
            let j = i;
            while (j < parts.length && /^0+$/.test(parts[j] ?? '')) j++;
            runs.push([i, j]);
            i = j;
          }
          let text = parts.join(':');
          const run = runs.length > 0 ? runs[s.compress % runs.length] : undefined;
          if (run !== undefined) {
            text = `${parts.slice(0, run[0]).join(':')}::${parts.slice(run[1]).join(':')}`;
          }
          if (s.upper) text = text.toUpperCase();
          expect(parseIP(text), text).to.deep.equal({ ok: true, value: { family: 6, value } });
        }),
        RUNS,
      );
    });

    it('parses what fast-check considers valid IPv4 and IPv6 text', () => {
      fc.assert(
        fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
          const parsed = parseIP(text);
          expect(parsed.ok, text).to.equal(true);
          if (parsed.ok) expect(parseIP(formatIP(parsed.value))).to.deep.equal(parsed);
        }),
        RUNS,
      );
    });

    it('parseIP never throws, and whatever it accepts round-trips', () => {
      const alphabet = fc.constantFrom(...'0123456789abcdefABCDEF:.%/ '.split(''));
      const texts = fc.oneof(
        fc.string(),
        // Any code points, lone surrogates included (a built-in unit would be slow to set up).
        fc
          .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 50 })
          .map((codePoints) => String.fromCodePoint(...codePoints)),
        fc.string({ unit: alphabet, maxLength: 45 }),
        // Near-misses: valid text with one character changed, dropped or doubled.
        fc
          .tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(), alphabet, fc.integer({ min: 0, max: 2 }))
          .map(([text, at, ch, op]) => {
            const i = at % (text.length + 1);
            if (op === 0) return text.slice(0, i) + ch + text.slice(i + 1);
            if (op === 1) return text.slice(0, i) + text.slice(i + 1);
            return text.slice(0, i) + ch + text.slice(i);
          }),
      );
      fc.assert(
        fc.property(texts, (text) => {
          // Any exception thrown here fails the property, so this also checks "never throws".
          const parsed = parseIP(text);
          if (parsed.ok) {
            const { family, value } = parsed.value;
            check(value >= 0n && value <= maxValue(family), `value ${value} out of range`);
            const again = parseIP(formatIP(parsed.value));
            check(again.ok && ipEquals(again.value, parsed.value), `${text} does not round-trip`);
          } else {
            check(typeof parsed.error === 'string' && parsed.error !== '', 'empty error');
          }
        }),
        { seed: 42, numRuns: 2000 },
      );
    });
  });
});

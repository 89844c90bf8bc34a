import { expect } from 'chai';
import fc from 'fast-check';
import { findOverlaps, parseAddressEntry, usableAddressCount } from '../../src/config/addresses.js';
import {
  cidrFirst,
  cidrLast,
  formatCidr,
  makeCidr,
  parseCidr,
  type Cidr,
} from '../../src/ip/index.js';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value.cidr;
};

describe('config/addresses: address entries', () => {
  it('masks host bits of a CIDR entry, as Go net.ParseCIDR', () => {
    const parsed = parseAddressEntry('192.168.122.1/24');
    expect(parsed.ok && parsed.value.value.map(formatCidr)).to.deep.equal(['192.168.122.0/24']);
  });

  it('splits a range, spaces around the dash allowed', () => {
    const parsed = parseAddressEntry('192.0.2.10 - 192.0.2.20');
    // 10-11 /31, 12-15 /30, 16-19 /30, 20 /32
    expect(parsed.ok && parsed.value.value.map(formatCidr)).to.deep.equal([
      '192.0.2.10/31',
      '192.0.2.12/30',
      '192.0.2.16/30',
      '192.0.2.20/32',
    ]);
  });

  it('takes a single-address range and an IPv6 range', () => {
    const single = parseAddressEntry('192.0.2.7-192.0.2.7');
    expect(single.ok && single.value.value.map(formatCidr)).to.deep.equal(['192.0.2.7/32']);
    const v6 = parseAddressEntry('2001:db8::1-2001:db8::2');
    expect(v6.ok && v6.value.value.map(formatCidr)).to.deep.equal([
      '2001:db8::1/128',
      '2001:db8::2/128',
    ]);
  });

  it('reads an entry as written without a note', () => {
    for (const text of ['192.0.2.0/24', '2001:0db8::/64', '192.0.2.1 - 192.0.2.9']) {
      const parsed = parseAddressEntry(text);
      expect(parsed.ok && parsed.value.notes, text).to.deep.equal([]);
    }
  });

  // v0.9.6 internal/config/config.go parseCIDR hands a range's ends to
  // ipaddr.Summarize (mikioh/ipaddr prefix.go), which returns no prefix when
  // the first address is after the last, or when one end is IPv4 (To4 not
  // nil, IPv4-mapped included) and the other is not; Parse accepts that.
  const coverNothing: [string, string][] = [
    ['192.0.2.20-192.0.2.10', 'ends before it starts'],
    ['172.21.11.2-172.20.11.254', 'ends before it starts'],
    ['2001:db8::9-2001:db8::1', 'ends before it starts'],
    ['192.0.2.1-2001:db8::1', 'mixes IPv4 and IPv6'],
    ['2001:db8::1-192.0.2.1', 'mixes IPv4 and IPv6'],
    ['::ffff:192.0.2.1-2001:db8::1', 'mixes IPv4 and IPv6'],
  ];
  for (const [text, why] of coverNothing) {
    it(`accepts ${JSON.stringify(text)} as covering no address, as v0.9`, () => {
      const parsed = parseAddressEntry(text);
      if (!parsed.ok) expect.fail(parsed.error);
      expect(parsed.value.value).to.deep.equal([]);
      expect(parsed.value.notes.join('\n')).to.include(why).and.include('covers no address');
    });
  }

  // Go 1.13 (v0.9.6's .circleci/config.yml: cimg/go:1.13) net.ParseIP and
  // net.ParseCIDR: dtoi reads decimal parts and the prefix length with
  // leading zeros as decimal, xtoi an IPv6 group of any length whose value
  // fits 16 bits; an IPv4-mapped address is IPv4, and a mapped prefix of
  // length L >= 96 contains the IPv4 prefix of length L - 96 (IPNet.Contains
  // masks To4() with the mask's last 4 bytes).
  const goReadings: [string, string[], string][] = [
    ['010.0.0.0/24', ['10.0.0.0/24'], 'leading zeros'],
    ['192.0.2.0/024', ['192.0.2.0/24'], 'leading zeros'],
    ['192.0.2.001-192.0.2.002', ['192.0.2.1/32', '192.0.2.2/32'], 'leading zeros'],
    ['2001:db8::00001/128', ['2001:db8::1/128'], 'leading zeros'],
    ['::ffff:010.0.0.0/120', ['10.0.0.0/24'], 'IPv4-mapped'],
    ['::ffff:10.0.0.0/120', ['10.0.0.0/24'], 'reads it as 10.0.0.0/24'],
    ['::ffff:10.0.0.7/128', ['10.0.0.7/32'], 'IPv4-mapped'],
    ['::ffff:10.0.0.1-::ffff:10.0.0.2', ['10.0.0.1/32', '10.0.0.2/32'], '10.0.0.1'],
    ['::ffff:10.0.0.1-10.0.0.2', ['10.0.0.1/32', '10.0.0.2/32'], 'IPv4-mapped'],
  ];
  for (const [text, cidrs, note] of goReadings) {
    it(`reads ${JSON.stringify(text)} as Go 1.13 did, with a note`, () => {
      const parsed = parseAddressEntry(text);
      if (!parsed.ok) expect.fail(parsed.error);
      expect(parsed.value.value.map(formatCidr)).to.deep.equal(cidrs);
      expect(parsed.value.notes.join('\n')).to.include(note);
    });
  }

  it('reads a mapped prefix shorter than 96 as the IPv6 prefix it masks to, as Go', () => {
    // ip.Mask(CIDRMask(64, 128)) clears the ffff: what is left is ::/64, IPv6.
    const parsed = parseAddressEntry('::ffff:10.0.0.0/64');
    expect(parsed.ok && parsed.value.value.map(formatCidr)).to.deep.equal(['::/64']);
    expect(parsed.ok && parsed.value.notes).to.deep.equal([]);
  });

  const rejected: [string, string][] = [
    ['192.0.2.1', 'single address'],
    ['2001:db8::1', 'single address'],
    ['0256.0.0.0/8', 'greater than 255'],
    ['2001:db8::10000/128', 'more than four hex digits'],
    ['192.0.2.0/0033', 'greater than 32'],
    ['192.0.2.0/33', 'not a CIDR'],
    ['bogus', 'not a CIDR'],
    ['192.0.2.1-', 'invalid range end'],
    ['-192.0.2.1', 'invalid range start'],
    ['', 'not a CIDR'],
  ];
  for (const [text, why] of rejected) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const parsed = parseAddressEntry(text);
      expect(parsed.ok).to.equal(false);
      if (!parsed.ok) expect(parsed.error).to.include(why);
    });
  }
});

describe('config/addresses: usable address counts', () => {
  it('counts every address without avoid-buggy-ips', () => {
    expect(usableAddressCount(cidr('192.0.2.0/24'), false)).to.equal(256n);
    expect(usableAddressCount(cidr('2001:db8::/64'), true)).to.equal(1n << 64n);
  });

  it('leaves out .0 and .255 with avoid-buggy-ips', () => {
    expect(usableAddressCount(cidr('192.0.2.0/24'), true)).to.equal(254n);
    expect(usableAddressCount(cidr('10.0.0.0/23'), true)).to.equal(508n);
    expect(usableAddressCount(cidr('10.0.0.0/8'), true)).to.equal((1n << 24n) - 2n * 65536n);
    expect(usableAddressCount(cidr('192.0.2.0/25'), true)).to.equal(127n);
    expect(usableAddressCount(cidr('192.0.2.128/25'), true)).to.equal(127n);
    expect(usableAddressCount(cidr('192.0.2.64/26'), true)).to.equal(64n);
    expect(usableAddressCount(cidr('192.0.2.255/32'), true)).to.equal(0n);
    expect(usableAddressCount(cidr('0.0.0.0/0'), true)).to.equal((1n << 32n) - 2n * (1n << 24n));
  });

  it('agrees with counting address by address on random small IPv4 CIDRs', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
        fc.integer({ min: 20, max: 32 }),
        (value, length) => {
          const c = makeCidr(4, value, length);
          let expected = 0n;
          for (let a = cidrFirst(c).value; a <= cidrLast(c).value; a++) {
            const last = a & 0xffn;
            if (last !== 0n && last !== 255n) expected++;
          }
          expect(usableAddressCount(c, true)).to.equal(expected);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('config/addresses: overlap detection', () => {
  /** The v0.9 way: every prefix against every earlier one. */
  function bruteForce(entries: Cidr[][]): Map<number, number> {
    const found = new Map<number, number>();
    entries.forEach((mine, later) => {
      for (let earlier = 0; earlier < later && !found.has(later); earlier++) {
        const theirs = entries[earlier] ?? [];
        const overlap = mine.some((a) =>
          theirs.some(
            (b) =>
              a.family === b.family &&
              cidrFirst(a).value <= cidrLast(b).value &&
              cidrFirst(b).value <= cidrLast(a).value,
          ),
        );
        if (overlap) found.set(later, earlier);
      }
    });
    return found;
  }

  it('reports each later entry against the earliest one it overlaps', () => {
    const entries = [
      [cidr('192.0.2.0/25')],
      [cidr('198.51.100.0/24')],
      [cidr('192.0.2.0/24')],
      [cidr('192.0.2.8/29')],
    ];
    const overlaps = findOverlaps(entries.map((cidrs, order) => ({ order, cidrs })));
    expect([...overlaps].sort()).to.deep.equal([
      [2, 0],
      [3, 0],
    ]);
  });

  it('treats the same CIDR in both families apart', () => {
    const entries = [[cidr('0.0.0.0/0')], [cidr('::/0')]];
    expect(findOverlaps(entries.map((cidrs, order) => ({ order, cidrs }))).size).to.equal(0);
  });

  it('agrees with the quadratic v0.9 check on random configs', () => {
    // Short prefixes inside a small space so that overlaps are common.
    const block = fc
      .tuple(
        fc.constantFrom<4 | 6>(4, 6),
        fc.bigInt({ min: 0n, max: 255n }),
        fc.integer({ min: 4, max: 12 }),
      )
      .map(([family, top, length]) =>
        makeCidr(family, top << BigInt(family === 4 ? 24 : 120), length),
      );
    const disjoint = (c: Cidr, d: Cidr): boolean =>
      c.family !== d.family ||
      cidrLast(d).value < cidrFirst(c).value ||
      cidrLast(c).value < cidrFirst(d).value;
    fc.assert(
      fc.property(
        fc.array(fc.array(block, { minLength: 1, maxLength: 3 }), { maxLength: 12 }),
        (raw) => {
          // Prefixes of one entry never overlap each other (a range splits into disjoint ones).
          const entries = raw.map((cidrs) =>
            cidrs.filter((c, i) => cidrs.slice(0, i).every((d) => disjoint(c, d))),
          );
          const fast = findOverlaps(entries.map((cidrs, order) => ({ order, cidrs })));
          expect([...fast].sort((a, b) => a[0] - b[0])).to.deep.equal(
            [...bruteForce(entries)].sort((a, b) => a[0] - b[0]),
          );
        },
      ),
      { seed: 11, numRuns: 1000 },
    );
  });
});

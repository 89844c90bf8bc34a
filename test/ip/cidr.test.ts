import { expect } from 'chai';
import type { Cidr, IPAddress } from '../../src/ip/index.js';
import {
  cidrContains,
  cidrFirst,
  cidrLast,
  cidrSize,
  cidrToRange,
  cidrsOverlap,
  formatCidr,
  formatIP,
  makeCidr,
  maxValue,
  nthAddress,
  parseCidr,
  parseIP,
} from '../../src/ip/index.js';

function ip(text: string): IPAddress {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(`test setup: ${parsed.error}`);
  return parsed.value;
}

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`test setup: ${parsed.error}`);
  return parsed.value.cidr;
}

describe('ip/cidr', () => {
  describe('parseCidr', () => {
    it('keeps the address as written and clears host bits in the prefix (like net.ParseCIDR)', () => {
      expect(parseCidr('192.168.122.1/24')).to.deep.equal({
        ok: true,
        value: {
          cidr: { family: 4, base: 0xc0a87a00n, prefixLength: 24 },
          address: { family: 4, value: 0xc0a87a01n },
        },
      });
    });

    const valid: [string, string, string][] = [
      ['10.0.0.0/8', '10.0.0.0/8', '10.0.0.0'],
      ['0.0.0.0/0', '0.0.0.0/0', '0.0.0.0'],
      ['255.255.255.255/0', '0.0.0.0/0', '255.255.255.255'],
      ['1.2.3.4/32', '1.2.3.4/32', '1.2.3.4'],
      ['10.1.2.3/15', '10.0.0.0/15', '10.1.2.3'],
      ['2001:db8::/32', '2001:db8::/32', '2001:db8::'],
      ['2001:DB8::1/64', '2001:db8::/64', '2001:db8::1'],
      ['::/0', '::/0', '::'],
      ['::1/128', '::1/128', '::1'],
      ['fe80::1/10', 'fe80::/10', 'fe80::1'],
      // abcd = 1010 1011 1100 1101: a /35 keeps the top three bits of the third group, 101.
      ['2001:db8:abcd:12::1/35', '2001:db8:a000::/35', '2001:db8:abcd:12::1'],
      ['::ffff:10.1.2.3/120', '::ffff:10.1.2.0/120', '::ffff:10.1.2.3'],
      ['::ffff:10.1.2.3/24', '::/24', '::ffff:10.1.2.3'],
    ];
    for (const [text, prefix, address] of valid) {
      it(`parses ${text}`, () => {
        const parsed = parseCidr(text);
        expect(parsed.ok).to.equal(true);
        if (parsed.ok) {
          expect(formatCidr(parsed.value.cidr)).to.equal(prefix);
          expect(formatIP(parsed.value.address)).to.equal(address);
        }
      });
    }

    const invalid: [string, string][] = [
      ['192.168.0.0', 'missing "/"'],
      ['192.168.0.0/', 'empty prefix length'],
      ['192.168.0.0/33', 'greater than 32'],
      ['::/129', 'greater than 128'],
      ['192.168.0.0/99999999999999999999', 'greater than 32'],
      ['/24', 'empty string'],
      ['192.168.0.0/024', 'leading zeros'],
      ['192.168.0.0/00', 'leading zeros'],
      ['192.168.0.0/+24', 'not a decimal number'],
      ['192.168.0.0/-1', 'not a decimal number'],
      ['192.168.0.0/2.4', 'not a decimal number'],
      ['::/0x10', 'not a decimal number'],
      ['192.168.0.0/ 24', 'not a decimal number'],
      ['192.168.0.0/24 ', 'not a decimal number'],
      [' 192.168.0.0/24', 'whitespace'],
      ['192.168.0.0/24/1', 'more than one "/"'],
      ['1.2.3/24', 'IPv4 needs four parts'],
      ['010.0.0.0/8', 'ambiguous (octal or decimal)'],
      ['fe80::1%eth0/64', 'zone index'],
      ['1::2::3/64', 'only once'],
      ['', 'missing "/"'],
    ];
    for (const [text, fragment] of invalid) {
      it(`rejects ${JSON.stringify(text)}`, () => {
        const parsed = parseCidr(text);
        expect(parsed.ok).to.equal(false);
        if (!parsed.ok) {
          expect(parsed.error).to.contain(`${JSON.stringify(text)} is not a CIDR: `);
          expect(parsed.error).to.contain(fragment);
        }
      });
    }
  });

  describe('makeCidr', () => {
    it('clears host bits', () => {
      expect(makeCidr(4, 0xc0a80096n, 24)).to.deep.equal({
        family: 4,
        base: 0xc0a80000n,
        prefixLength: 24,
      });
      expect(makeCidr(4, 0xffffffffn, 0)).to.deep.equal({ family: 4, base: 0n, prefixLength: 0 });
      expect(makeCidr(6, maxValue(6), 1)).to.deep.equal({
        family: 6,
        base: 1n << 127n,
        prefixLength: 1,
      });
      expect(makeCidr(6, maxValue(6), 128).base).to.equal(maxValue(6));
    });

    it('throws a RangeError on a bad prefix length or value', () => {
      for (const length of [-1, 33, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => makeCidr(4, 0n, length), String(length)).to.throw(RangeError);
      }
      expect(() => makeCidr(6, 0n, 129)).to.throw(RangeError);
      expect(() => makeCidr(4, 1n << 32n, 8)).to.throw(RangeError);
      expect(() => makeCidr(6, -1n, 8)).to.throw(RangeError);
      expect(makeCidr(6, 0n, 128).prefixLength).to.equal(128);
    });
  });

  describe('formatCidr', () => {
    it('writes base/length', () => {
      expect(formatCidr(makeCidr(4, 0xc6336400n, 24))).to.equal('198.51.100.0/24');
      expect(formatCidr(makeCidr(6, 0x20010db8n << 96n, 32))).to.equal('2001:db8::/32');
    });
  });

  describe('first, last, size, range', () => {
    it('handles an IPv4 /24', () => {
      const c = cidr('192.168.0.0/24');
      expect(formatIP(cidrFirst(c))).to.equal('192.168.0.0');
      expect(formatIP(cidrLast(c))).to.equal('192.168.0.255');
      expect(cidrSize(c)).to.equal(256n);
      expect(cidrToRange(c)).to.deep.equal({ family: 4, first: 0xc0a80000n, last: 0xc0a800ffn });
    });

    it('handles whole address spaces and single addresses', () => {
      expect(cidrSize(cidr('0.0.0.0/0'))).to.equal(1n << 32n);
      expect(cidrSize(cidr('::/0'))).to.equal(1n << 128n);
      expect(cidrLast(cidr('::/0')).value).to.equal(maxValue(6));
      expect(cidrLast(cidr('0.0.0.0/0')).value).to.equal(maxValue(4));
      expect(cidrSize(cidr('1.2.3.4/32'))).to.equal(1n);
      expect(cidrSize(cidr('::1/128'))).to.equal(1n);
      expect(formatIP(cidrLast(cidr('2001:db8::/32')))).to.equal(
        '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
      );
    });
  });

  describe('cidrContains', () => {
    it('checks both ends', () => {
      const c = cidr('192.168.0.0/24');
      expect(cidrContains(c, ip('192.168.0.0'))).to.equal(true);
      expect(cidrContains(c, ip('192.168.0.255'))).to.equal(true);
      expect(cidrContains(c, ip('192.168.1.0'))).to.equal(false);
      expect(cidrContains(c, ip('192.167.255.255'))).to.equal(false);
      expect(cidrContains(cidr('2001:db8::/32'), ip('2001:db8:ffff::1'))).to.equal(true);
      expect(cidrContains(cidr('2001:db8::/32'), ip('2001:db9::'))).to.equal(false);
    });

    it('is false across families', () => {
      expect(cidrContains(cidr('::/0'), ip('1.2.3.4'))).to.equal(false);
      expect(cidrContains(cidr('0.0.0.0/0'), ip('::'))).to.equal(false);
      expect(cidrContains(cidr('::/96'), ip('0.0.0.1'))).to.equal(false);
    });
  });

  describe('cidrsOverlap', () => {
    it('detects nesting and identity, not adjacency', () => {
      expect(cidrsOverlap(cidr('10.0.0.0/8'), cidr('10.20.0.0/16'))).to.equal(true);
      expect(cidrsOverlap(cidr('10.20.0.0/16'), cidr('10.0.0.0/8'))).to.equal(true);
      expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.0.0/24'))).to.equal(true);
      expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.1.0/24'))).to.equal(false);
      expect(cidrsOverlap(cidr('10.0.1.0/24'), cidr('10.0.0.0/24'))).to.equal(false);
      expect(cidrsOverlap(cidr('2001:db8::/32'), cidr('2001:db8:1::/48'))).to.equal(true);
      expect(cidrsOverlap(cidr('2001:db8::/32'), cidr('2001:db9::/32'))).to.equal(false);
    });

    it('is false across families', () => {
      expect(cidrsOverlap(cidr('0.0.0.0/0'), cidr('::/0'))).to.equal(false);
      expect(cidrsOverlap(cidr('::/0'), cidr('0.0.0.0/0'))).to.equal(false);
    });
  });

  describe('nthAddress', () => {
    it('counts from the base', () => {
      const c = cidr('192.168.0.0/24');
      expect(formatIP(nthAddress(c, 0n))).to.equal('192.168.0.0');
      expect(formatIP(nthAddress(c, 10n))).to.equal('192.168.0.10');
      expect(formatIP(nthAddress(c, 255n))).to.equal('192.168.0.255');
      expect(formatIP(nthAddress(cidr('2001:db8::/64'), 0x1_0000n))).to.equal('2001:db8::1:0');
      expect(nthAddress(cidr('::/0'), maxValue(6)).value).to.equal(maxValue(6));
    });

    it('throws a RangeError outside the prefix', () => {
      const c = cidr('192.168.0.0/24');
      expect(() => nthAddress(c, 256n)).to.throw(RangeError);
      expect(() => nthAddress(c, -1n)).to.throw(RangeError);
      expect(() => nthAddress(cidr('1.2.3.4/32'), 1n)).to.throw(RangeError);
      expect(() => nthAddress(cidr('::/0'), 1n << 128n)).to.throw(RangeError);
    });
  });
});

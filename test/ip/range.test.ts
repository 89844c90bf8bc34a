import { expect } from 'chai';
import type { IPAddress, IPRange } from '../../src/ip/index.js';
import {
  formatCidr,
  makeRange,
  maxValue,
  parseIP,
  rangeSize,
  rangeToCidrs,
  rangesOverlap,
} from '../../src/ip/index.js';

function ip(text: string): IPAddress {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(`test setup: ${parsed.error}`);
  return parsed.value;
}

function range(first: string, last: string): IPRange {
  const made = makeRange(ip(first), ip(last));
  if (!made.ok) throw new Error(`test setup: ${made.error}`);
  return made.value;
}

function split(first: string, last: string): string[] {
  return rangeToCidrs(range(first, last)).map(formatCidr);
}

describe('ip/range', () => {
  describe('makeRange', () => {
    it('builds inclusive ranges, including single addresses', () => {
      expect(makeRange(ip('10.0.0.1'), ip('10.0.0.9'))).to.deep.equal({
        ok: true,
        value: { family: 4, first: 0x0a000001n, last: 0x0a000009n },
      });
      expect(makeRange(ip('::1'), ip('::1'))).to.deep.equal({
        ok: true,
        value: { family: 6, first: 1n, last: 1n },
      });
    });

    it('rejects mixed families and reversed ends', () => {
      const mixed = makeRange(ip('10.0.0.1'), ip('::1'));
      expect(mixed).to.deep.equal({ ok: false, error: 'range 10.0.0.1-::1 mixes IPv4 and IPv6' });
      const reversed = makeRange(ip('10.0.0.9'), ip('10.0.0.1'));
      expect(reversed).to.deep.equal({
        ok: false,
        error: 'range 10.0.0.9-10.0.0.1 starts after it ends',
      });
      expect(makeRange(ip('::2'), ip('::1')).ok).to.equal(false);
    });

    it('rejects values outside the address space without throwing', () => {
      expect(makeRange({ family: 4, value: 0n }, { family: 4, value: 1n << 32n }).ok).to.equal(
        false,
      );
      expect(makeRange({ family: 6, value: -1n }, { family: 6, value: 0n }).ok).to.equal(false);
    });
  });

  describe('rangeSize', () => {
    it('counts both ends', () => {
      expect(rangeSize(range('192.168.0.150', '192.168.0.200'))).to.equal(51n);
      expect(rangeSize(range('1.2.3.4', '1.2.3.4'))).to.equal(1n);
      expect(rangeSize(range('0.0.0.0', '255.255.255.255'))).to.equal(1n << 32n);
      expect(rangeSize(range('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))).to.equal(
        1n << 128n,
      );
    });
  });

  describe('rangeToCidrs', () => {
    it('splits the classic 192.168.0.150-192.168.0.200', () => {
      // 150 = 1001011|0 -> /31 (150-151); 152 = 10011|000 -> /29 (152-159);
      // 160 = 101|00000 -> /27 (160-191); 192 = 11|000000 but 192+63 > 200, so /29 (192-199);
      // 200 alone -> /32. 2 + 8 + 32 + 8 + 1 = 51 addresses.
      expect(split('192.168.0.150', '192.168.0.200')).to.deep.equal([
        '192.168.0.150/31',
        '192.168.0.152/29',
        '192.168.0.160/27',
        '192.168.0.192/29',
        '192.168.0.200/32',
      ]);
    });

    it('returns one prefix for an aligned block', () => {
      expect(split('10.0.0.0', '10.0.0.255')).to.deep.equal(['10.0.0.0/24']);
      expect(split('10.0.0.0', '10.255.255.255')).to.deep.equal(['10.0.0.0/8']);
      expect(split('2001:db8::', '2001:db8::ffff')).to.deep.equal(['2001:db8::/112']);
    });

    it('returns /32 or /128 for a single address', () => {
      expect(split('10.0.0.7', '10.0.0.7')).to.deep.equal(['10.0.0.7/32']);
      expect(split('0.0.0.0', '0.0.0.0')).to.deep.equal(['0.0.0.0/32']);
      expect(split('255.255.255.255', '255.255.255.255')).to.deep.equal(['255.255.255.255/32']);
      expect(split('2001:db8::1', '2001:db8::1')).to.deep.equal(['2001:db8::1/128']);
      expect(split('::', '::')).to.deep.equal(['::/128']);
    });

    it('splits small unaligned ranges', () => {
      expect(split('10.0.0.1', '10.0.0.6')).to.deep.equal([
        '10.0.0.1/32',
        '10.0.0.2/31',
        '10.0.0.4/31',
        '10.0.0.6/32',
      ]);
      expect(split('10.0.0.255', '10.0.1.0')).to.deep.equal(['10.0.0.255/32', '10.0.1.0/32']);
      expect(split('2001:db8::1', '2001:db8::2')).to.deep.equal([
        '2001:db8::1/128',
        '2001:db8::2/128',
      ]);
    });

    it('covers the whole address space with one prefix', () => {
      expect(split('0.0.0.0', '255.255.255.255')).to.deep.equal(['0.0.0.0/0']);
      expect(split('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).to.deep.equal(['::/0']);
    });

    it('handles ranges that end at the top of the space', () => {
      expect(split('255.255.255.254', '255.255.255.255')).to.deep.equal(['255.255.255.254/31']);
      expect(split('128.0.0.0', '255.255.255.255')).to.deep.equal(['128.0.0.0/1']);

      const v4 = split('0.0.0.1', '255.255.255.255');
      expect(v4).to.have.length(32);
      expect(v4.slice(0, 3)).to.deep.equal(['0.0.0.1/32', '0.0.0.2/31', '0.0.0.4/30']);
      expect(v4.at(-1)).to.equal('128.0.0.0/1');

      const v6 = split('::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
      expect(v6).to.have.length(128);
      expect(v6[0]).to.equal('::1/128');
      expect(v6.at(-1)).to.equal('8000::/1');

      const low = split('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe');
      expect(low).to.have.length(128);
      expect(low[0]).to.equal('::/1');
      expect(low.at(-1)).to.equal('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128');
    });

    it('needs at most 2 * bits - 2 prefixes (worst case)', () => {
      expect(split('0.0.0.1', '255.255.255.254')).to.have.length(62);
      expect(split('::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe')).to.have.length(254);
    });

    it('throws a RangeError on an invalid range', () => {
      expect(() => rangeToCidrs({ family: 4, first: 2n, last: 1n })).to.throw(RangeError);
      expect(() => rangeToCidrs({ family: 4, first: 0n, last: maxValue(4) + 1n })).to.throw(
        RangeError,
      );
      expect(() => rangeToCidrs({ family: 6, first: -1n, last: 0n })).to.throw(RangeError);
    });
  });

  describe('rangesOverlap', () => {
    it('counts shared end points, not adjacency', () => {
      const a = range('10.0.0.0', '10.0.0.10');
      expect(rangesOverlap(a, range('10.0.0.10', '10.0.0.20'))).to.equal(true);
      expect(rangesOverlap(range('10.0.0.10', '10.0.0.20'), a)).to.equal(true);
      expect(rangesOverlap(a, range('10.0.0.11', '10.0.0.20'))).to.equal(false);
      expect(rangesOverlap(a, range('10.0.0.2', '10.0.0.3'))).to.equal(true);
      expect(rangesOverlap(a, a)).to.equal(true);
    });

    it('is false across families', () => {
      expect(
        rangesOverlap(range('0.0.0.0', '255.255.255.255'), range('::', '::ffff:ffff')),
      ).to.equal(false);
    });
  });
});

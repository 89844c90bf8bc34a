import { expect } from 'chai';
import type { Family, IPAddress } from '../../src/ip/index.js';
import {
  bitLength,
  compareIP,
  formatIP,
  ipEquals,
  isIPv4Mapped,
  maxValue,
  parseIP,
  unmapIPv4,
} from '../../src/ip/index.js';

/** Parses text that the test expects to be valid, failing the test otherwise. */
function ip(text: string): IPAddress {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(`test setup: ${parsed.error}`);
  return parsed.value;
}

function v4(value: bigint): IPAddress {
  return { family: 4, value };
}

function v6(value: bigint): IPAddress {
  return { family: 6, value };
}

function expectError(text: string, fragment?: string): void {
  const parsed = parseIP(text);
  expect(parsed.ok, `${JSON.stringify(text)} should be rejected`).to.equal(false);
  if (!parsed.ok) {
    expect(parsed.error).to.contain(`${JSON.stringify(text)} is not an IP address: `);
    if (fragment !== undefined) expect(parsed.error).to.contain(fragment);
  }
}

describe('ip/address', () => {
  describe('bitLength / maxValue', () => {
    it('gives 32 bits and 2^32-1 for IPv4, 128 bits and 2^128-1 for IPv6', () => {
      expect(bitLength(4)).to.equal(32);
      expect(bitLength(6)).to.equal(128);
      expect(maxValue(4)).to.equal(4294967295n);
      expect(maxValue(6)).to.equal(340282366920938463463374607431768211455n);
    });

    it('throws a RangeError on an unknown family', () => {
      expect(() => bitLength(5 as Family)).to.throw(RangeError);
    });
  });

  describe('parseIP, IPv4', () => {
    const valid: [string, bigint][] = [
      ['0.0.0.0', 0n],
      ['255.255.255.255', 0xffffffffn],
      ['192.0.2.1', 0xc0000201n],
      ['10.0.0.0', 0x0a000000n],
      ['1.2.3.4', 0x01020304n],
      ['100.64.0.10', 0x6440000an],
    ];
    for (const [text, value] of valid) {
      it(`parses ${text}`, () => {
        expect(parseIP(text)).to.deep.equal({ ok: true, value: v4(value) });
      });
    }

    it('says what is wrong with too few parts', () => {
      expect(parseIP('1.2.3')).to.deep.equal({
        ok: false,
        error: '"1.2.3" is not an IP address: IPv4 needs four parts',
      });
    });

    it('rejects leading zeros as ambiguous (octal or decimal), but accepts a lone 0', () => {
      for (const text of ['010.0.0.1', '1.2.3.04', '00.1.2.3', '1.2.0255.4', '1.2.3.00']) {
        expectError(text, 'leading zeros');
        expectError(text, 'ambiguous (octal or decimal)');
      }
      expect(parseIP('0.10.0.0').ok).to.equal(true);
    });

    const invalid: [string, string][] = [
      ['', 'empty'],
      ['1.2.3.4.5', 'four parts'],
      ['1..3.4', 'empty part'],
      ['1.2.3.4.', 'four parts'],
      ['.1.2.3', 'empty part'],
      ['256.0.0.1', 'greater than 255'],
      ['1.2.3.1000', 'greater than 255'],
      ['1.2.3.-1', 'not a decimal number'],
      ['+1.2.3.4', 'not a decimal number'],
      ['0x1.2.3.4', 'not a decimal number'],
      ['1e2.0.0.1', 'not a decimal number'],
      ['\u0661.\u0662.\u0663.\u0664', 'not a decimal number'],
      [' 1.2.3.4', 'whitespace'],
      ['1.2.3.4 ', 'whitespace'],
      ['1.2.3.4\n', 'whitespace'],
      ['1.2.3.4/24', 'prefix length'],
      ['1.2.3.4%eth0', 'zone index "%eth0"'],
      ['16909060', 'expected IPv4'],
      ['localhost', 'expected IPv4'],
    ];
    for (const [text, fragment] of invalid) {
      it(`rejects ${JSON.stringify(text)}`, () => expectError(text, fragment));
    }
  });

  describe('parseIP, IPv6 (RFC 4291 section 2.2)', () => {
    const valid: [string, bigint][] = [
      ['::', 0n],
      ['::1', 1n],
      ['1::', 0x00010000000000000000000000000000n],
      ['0:0:0:0:0:0:0:0', 0n],
      ['2001:db8::1', 0x20010db8000000000000000000000001n],
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', 0x20010db8000000000000000000000001n],
      ['2001:DB8:0:0:8:800:200C:417A', 0x20010db80000000000080800200c417an],
      ['FE80::1', 0xfe800000000000000000000000000001n],
      ['fE80:0::01', 0xfe800000000000000000000000000001n],
      ['1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n],
      ['1:2:3:4:5:6:7::', 0x00010002000300040005000600070000n],
      ['::2:3:4:5:6:7:8', 0x00000002000300040005000600070008n],
      ['1::8', 0x00010000000000000000000000000008n],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', (1n << 128n) - 1n],
      ['::ffff:192.0.2.1', 0xffffc0000201n],
      ['64:ff9b::192.0.2.1', 0x0064ff9b0000000000000000c0000201n],
      ['::192.0.2.1', 0xc0000201n],
      ['::0.0.0.0', 0n],
      ['1:2:3:4:5:6:1.2.3.4', 0x00010002000300040005000601020304n],
      ['1::6:1.2.3.4', 0x00010000000000000000000601020304n],
      ['0:0:0:0:0:FFFF:129.144.52.38', 0x0000000000000000ffff81903426n],
    ];
    for (const [text, value] of valid) {
      it(`parses ${text}`, () => {
        expect(parseIP(text)).to.deep.equal({ ok: true, value: v6(value) });
      });
    }

    const invalid: [string, string][] = [
      ['1:2:3:4:5:6:7:8:9', 'more than 8 groups'],
      ['1:2:3:4:5:6:7:8::', '8 groups plus "::"'],
      ['::1:2:3:4:5:6:7:8', '8 groups plus "::"'],
      ['1:2:3:4::5:6:7:8', '8 groups plus "::"'],
      ['1:2:3:4:5:6:7', 'fewer than 8 groups'],
      ['1:2:3:4:5:6:7:1.2.3.4', 'more than 8 groups'],
      ['1:2:3:4:5:6:7::1.2.3.4', 'more than 8 groups'],
      ['1:2:3:4:5:6::1.2.3.4', '8 groups plus "::"'],
      ['12345::', 'more than four hex digits'],
      ['::00000', 'more than four hex digits'],
      ['1::2::3', 'only once'],
      ['::1::', 'only once'],
      [':::', '":::"'],
      [':::1', '":::"'],
      ['1:::2', '":::"'],
      [':', 'single colon'],
      [':1', 'single colon'],
      ['1:', 'single colon'],
      [':1::2', 'single colon'],
      ['1::2:', 'single colon'],
      [':1:2:3:4:5:6:7:8', 'single colon'],
      ['1:2:3:4:5:6:7:8:', 'single colon'],
      ['g::1', 'not hexadecimal'],
      ['::-1', 'not hexadecimal'],
      ['::+1', 'not hexadecimal'],
      ['0x1::', 'not hexadecimal'],
      ['[::1]', 'not hexadecimal'],
      ['::1.2.3.4:1', 'only allowed in the last 32 bits'],
      ['1.2.3.4::', 'only allowed in the last 32 bits'],
      ['1.2.3.4::1', 'only allowed in the last 32 bits'],
      ['::1.2.3', 'four parts'],
      ['::ffff:1.2.3.4.5', 'four parts'],
      ['::1.2.3.04', 'ambiguous (octal or decimal)'],
      ['::256.0.0.1', 'greater than 255'],
      ['fe80::1%eth0', 'zone index "%eth0"'],
      ['fe80::1%1', 'zone index'],
      ['::1/128', 'prefix length'],
      [' ::1', 'whitespace'],
      ['::1 ', 'whitespace'],
      ['::1\t', 'whitespace'],
    ];
    for (const [text, fragment] of invalid) {
      it(`rejects ${JSON.stringify(text)}`, () => expectError(text, fragment));
    }
  });

  describe('parseIP does not throw', () => {
    it('on odd input', () => {
      for (const text of ['\u0000', '\ud800', '.', '...', '::::::::', '%', '/', '1.2.3.4::']) {
        expect(() => parseIP(text)).not.to.throw();
      }
      expect(() => parseIP('1'.repeat(100_000))).not.to.throw();
    });

    it('keeps error messages short on long input', () => {
      const parsed = parseIP(`${'a'.repeat(10_000)}:`);
      expect(parsed.ok).to.equal(false);
      if (!parsed.ok) expect(parsed.error.length).to.be.below(200);
    });
  });

  describe('formatIP, IPv4', () => {
    it('writes dotted decimal', () => {
      expect(formatIP(v4(0n))).to.equal('0.0.0.0');
      expect(formatIP(v4(0xffffffffn))).to.equal('255.255.255.255');
      expect(formatIP(v4(0xc0000201n))).to.equal('192.0.2.1');
      expect(formatIP(v4(0x0a000100n))).to.equal('10.0.1.0');
    });

    it('throws a RangeError on a value outside the address space', () => {
      expect(() => formatIP(v4(-1n))).to.throw(RangeError);
      expect(() => formatIP(v4(1n << 32n))).to.throw(RangeError);
      expect(() => formatIP(v6(1n << 128n))).to.throw(RangeError);
    });
  });

  describe('formatIP, IPv6 (RFC 5952)', () => {
    const canonical = (text: string): string => formatIP(ip(text));

    it('suppresses leading zeros (section 4.1)', () => {
      expect(canonical('2001:0db8::0001')).to.equal('2001:db8::1');
      expect(canonical('2001:db8:0000:0:1::1')).to.equal('2001:db8::1:0:0:1');
    });

    it('uses "::" to its maximum capability (section 4.2.1)', () => {
      expect(canonical('2001:db8:0:0:0:0:2:1')).to.equal('2001:db8::2:1');
      expect(canonical('2001:db8::0:1')).to.equal('2001:db8::1');
    });

    it('never uses "::" for a single zero group (section 4.2.2)', () => {
      expect(canonical('2001:db8:0:1:1:1:1:1')).to.equal('2001:db8:0:1:1:1:1:1');
      expect(canonical('2001:db8::1:1:1:1:1')).to.equal('2001:db8:0:1:1:1:1:1');
      expect(canonical('1:0:1:0:1:0:1:0')).to.equal('1:0:1:0:1:0:1:0');
      expect(canonical('0:1:2:3:4:5:6:7')).to.equal('0:1:2:3:4:5:6:7');
    });

    it('shortens the longest run, the first one when tied (section 4.2.3)', () => {
      expect(canonical('2001:0:0:1:0:0:0:1')).to.equal('2001:0:0:1::1');
      expect(canonical('2001:db8:0:0:1:0:0:1')).to.equal('2001:db8::1:0:0:1');
      expect(canonical('0:0:1:0:0:1:0:0')).to.equal('::1:0:0:1:0:0');
      expect(canonical('1:0:0:0:1:0:0:0')).to.equal('1::1:0:0:0');
      expect(canonical('1:0:0:1:0:0:0:0')).to.equal('1:0:0:1::');
    });

    it('writes lower case (section 4.3)', () => {
      expect(canonical('2001:DB8::ABCD:EF')).to.equal('2001:db8::abcd:ef');
    });

    it('gives one form for all the equivalent texts of section 2', () => {
      for (const text of [
        '2001:db8:0:0:1:0:0:1',
        '2001:0db8:0:0:1:0:0:1',
        '2001:db8::1:0:0:1',
        '2001:db8::0:1:0:0:1',
        '2001:0db8::1:0:0:1',
        '2001:db8:0:0:1::1',
        '2001:db8:0000:0:1::1',
        '2001:DB8:0:0:1::1',
      ]) {
        expect(canonical(text), text).to.equal('2001:db8::1:0:0:1');
      }
    });

    it('writes IPv4-mapped addresses with a dotted quad (section 5)', () => {
      expect(canonical('::ffff:192.0.2.1')).to.equal('::ffff:192.0.2.1');
      expect(canonical('0:0:0:0:0:ffff:c000:201')).to.equal('::ffff:192.0.2.1');
      expect(canonical('::ffff:0:0')).to.equal('::ffff:0.0.0.0');
      // Not IPv4-mapped: plain hex.
      expect(canonical('::192.0.2.1')).to.equal('::c000:201');
      expect(canonical('64:ff9b::192.0.2.1')).to.equal('64:ff9b::c000:201');
      expect(canonical('1::ffff:c000:201')).to.equal('1::ffff:c000:201');
      expect(canonical('::fffe:c000:201')).to.equal('::fffe:c000:201');
    });

    it('writes the all-zeros, loopback, and edge addresses', () => {
      expect(formatIP(v6(0n))).to.equal('::');
      expect(formatIP(v6(1n))).to.equal('::1');
      expect(formatIP(v6(1n << 112n))).to.equal('1::');
      expect(canonical('fe80:0:0:0:0:0:0:1')).to.equal('fe80::1');
      expect(formatIP(v6(maxValue(6)))).to.equal('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
      expect(canonical('1:2:3:4:5:6:7:8')).to.equal('1:2:3:4:5:6:7:8');
    });
  });

  describe('compareIP / ipEquals', () => {
    it('puts IPv4 before IPv6, then orders by value', () => {
      expect(compareIP(v4(maxValue(4)), v6(0n))).to.equal(-1);
      expect(compareIP(v6(0n), v4(maxValue(4)))).to.equal(1);
      expect(compareIP(ip('10.0.0.1'), ip('10.0.0.2'))).to.equal(-1);
      expect(compareIP(ip('10.0.0.2'), ip('10.0.0.1'))).to.equal(1);
      expect(compareIP(ip('::1'), ip('0::0:1'))).to.equal(0);
      const sorted = ['::1', '10.0.0.2', '::', '1.2.3.4', '255.255.255.255']
        .map(ip)
        .sort(compareIP)
        .map(formatIP);
      expect(sorted).to.deep.equal(['1.2.3.4', '10.0.0.2', '255.255.255.255', '::', '::1']);
    });

    it('compares family and value', () => {
      expect(ipEquals(ip('::1'), ip('0:0:0:0:0:0:0:1'))).to.equal(true);
      expect(ipEquals(v4(1n), v6(1n))).to.equal(false);
      expect(ipEquals(v4(1n), v4(2n))).to.equal(false);
    });
  });

  describe('unmapIPv4 (Go net.IP: an IPv4-mapped address is IPv4)', () => {
    it('gives the IPv4 address of ::ffff:a.b.c.d in both its spellings', () => {
      expect(unmapIPv4(ip('::ffff:10.0.0.6'))).to.deep.equal(ip('10.0.0.6'));
      expect(unmapIPv4(ip('0:0:0:0:0:ffff:a00:6'))).to.deep.equal(ip('10.0.0.6'));
      expect(unmapIPv4(ip('::ffff:255.255.255.255'))).to.deep.equal(ip('255.255.255.255'));
      expect(isIPv4Mapped(ip('::ffff:0.0.0.0'))).to.equal(true);
    });

    it('leaves IPv4 and other IPv6 addresses as they are', () => {
      for (const text of [
        '10.0.0.6',
        '::10.0.0.6',
        '::fffe:a00:6',
        '1::ffff:a00:6',
        '2001:db8::1',
      ]) {
        expect(unmapIPv4(ip(text)), text).to.deep.equal(ip(text));
        expect(isIPv4Mapped(ip(text)), text).to.equal(false);
      }
    });
  });
});

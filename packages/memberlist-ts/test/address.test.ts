/**
 * Member addresses as bytes and as text: RFC 5952 text out (the examples of
 * its sections 4 and 5), every RFC 4291 form in, and `host:port` parsing.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { addrToBytes, formatAddr, formatEndpoint, parseEndpoint } from '../src/address.js';

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
}

describe('memberlist addresses', () => {
  it('writes IPv6 as RFC 5952 says: lower case, no leading zeros, :: for the first longest zero run', () => {
    const cases: [string, string][] = [
      ['2001 0db8 0000 0000 0000 0000 0000 0001', '2001:db8::1'],
      ['2001 0db8 0000 0000 0001 0000 0000 0001', '2001:db8::1:0:0:1'], // 4.2.3: the first of equal runs
      ['2001 0db8 0000 0001 0001 0001 0001 0001', '2001:db8:0:1:1:1:1:1'], // 4.2.2: one zero group stays
      ['2001 0db8 0000 0000 0001 0000 0000 0000', '2001:db8:0:0:1::'], // 4.2.1: the longest run
      ['2001 0DB8 00AA 0000 0000 0000 0000 0001', '2001:db8:aa::1'],
      ['0000 0000 0000 0000 0000 0000 0000 0000', '::'],
      ['0000 0000 0000 0000 0000 0000 0000 0001', '::1'],
      ['0000 0000 0000 0000 0000 ffff c000 0201', '::ffff:192.0.2.1'], // section 5
    ];
    for (const [hex, text] of cases) expect(formatAddr(bytes(hex)), text).to.equal(text);
    expect(formatAddr(bytes('c0000201'))).to.equal('192.0.2.1');
    expect(formatAddr(new Uint8Array(5))).to.equal('?');
  });

  it('reads every text form of an address, and nothing that is not one', () => {
    expect(addrToBytes('192.0.2.1')).to.deep.equal(bytes('c0000201'));
    expect(addrToBytes('2001:DB8:0:0:1:0:0:1')).to.deep.equal(
      bytes('2001 0db8 0000 0000 0001 0000 0000 0001'),
    );
    expect(addrToBytes('::ffff:192.0.2.1')).to.deep.equal(
      bytes('0000 0000 0000 0000 0000 ffff c000 0201'),
    );
    expect(addrToBytes('1::')).to.deep.equal(bytes('0001 0000 0000 0000 0000 0000 0000 0000'));
    for (const text of ['', '192.0.2', '192.0.2.256', '01.2.3.4', '1::2::3', 'fe80::1%eth0', 'x']) {
      expect(addrToBytes(text), text).to.equal(undefined);
    }
  });

  it('round-trips any 4 or 16 bytes through text', () => {
    const zeroHeavy = fc.uint8Array({ minLength: 16, maxLength: 16 }).chain((raw) =>
      fc.uint8Array({ minLength: 16, maxLength: 16 }).map((mask) =>
        // Zero about half of the bytes so that zero runs of every length occur.
        raw.map((b, i) => ((mask[i] ?? 0) < 128 ? 0 : b)),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), zeroHeavy), (addr) => {
        expect(addrToBytes(formatAddr(addr))).to.deep.equal(addr);
      }),
      { numRuns: 2000, seed: 5952 },
    );
  });

  it('parses host:port and [v6]:port, with a default port for a bare address', () => {
    expect(parseEndpoint('192.0.2.1:7946')).to.deep.equal({ addr: bytes('c0000201'), port: 7946 });
    expect(parseEndpoint('[2001:db8::1]:7946')).to.deep.include({ port: 7946 });
    expect(parseEndpoint('2001:db8::1', 7946)).to.deep.include({ port: 7946 });
    expect(parseEndpoint('192.0.2.1')).to.equal('"192.0.2.1": a port is needed');
    expect(parseEndpoint('192.0.2.1:0')).to.equal('"192.0.2.1:0": port must be 1-65535');
    expect(parseEndpoint('node-a:7946')).to.equal(
      '"node-a:7946": "node-a" is not an IPv4 or IPv6 address',
    );
    expect(
      formatEndpoint({ addr: bytes('2001 0db8' + '0000'.repeat(5) + '0001'), port: 1 }),
    ).to.equal('[2001:db8::1]:1');
  });
});

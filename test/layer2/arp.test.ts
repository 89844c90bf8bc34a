/**
 * Ethernet II and ARP codecs, MAC and address helpers: golden frames written from RFC 826,
 * round trips, and malformed input, which must give a reason, never an exception.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  ARP_PACKET_LENGTH,
  ArpOperation,
  EtherType,
  canonicalAddress,
  decodeArpPacket,
  decodeEthernetFrame,
  decodeFrame,
  encodeArpFrame,
  encodeArpPacket,
  encodeEthernetFrame,
  formatAddressBytes,
  formatMac,
  ipv4Bytes,
  ipv6Bytes,
  isUnicastMac,
  parseAddressBytes,
  parseMac,
  type ArpPacket,
  type EthernetFrame,
} from '../../src/layer2/index.js';
import { ARP_REPLY_FRAME, ARP_REQUEST_FRAME, CLIENT_MAC, OUR_MAC, hexBytes } from './fixtures.js';

const RUNS = { seed: 826, numRuns: 500 };
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const arpPacketArb: fc.Arbitrary<ArpPacket> = fc.record({
  operation: fc.constantFrom(ArpOperation.Request, ArpOperation.Reply),
  senderHardwareAddress: bytesOf(6),
  senderProtocolAddress: bytesOf(4),
  targetHardwareAddress: bytesOf(6),
  targetProtocolAddress: bytesOf(4),
});

describe('layer2 MAC and address helpers', () => {
  it('parses and formats MACs', () => {
    expect(parseMac('02:00:00:00:00:0a')).to.deep.equal(hexBytes('02 00 00 00 00 0a'));
    expect(parseMac('AA-BB-CC-DD-EE-FF')).to.deep.equal(hexBytes('aa bb cc dd ee ff'));
    expect(formatMac(hexBytes('aa bb 0c 0d 00 ff'))).to.equal('aa:bb:0c:0d:00:ff');
    for (const bad of [
      '',
      '02:00:00:00:00',
      '02:00:00:00:00:0a:0b',
      '02-00:00:00:00:0a',
      'zz:00:00:00:00:00',
      '2:0:0:0:0:a',
      '0200.0000.000a',
    ]) {
      expect(parseMac(bad), bad).to.equal(null);
    }
  });

  it('MAC text round trips', () => {
    fc.assert(
      fc.property(bytesOf(6), (mac) => {
        expect(parseMac(formatMac(mac))).to.deep.equal(mac);
      }),
      RUNS,
    );
  });

  it('tells unicast MACs from zero, group and wrong-length ones', () => {
    expect(isUnicastMac(OUR_MAC)).to.equal(true);
    expect(isUnicastMac(hexBytes('00 00 00 00 00 00'))).to.equal(false);
    expect(isUnicastMac(hexBytes('ff ff ff ff ff ff'))).to.equal(false);
    expect(isUnicastMac(hexBytes('33 33 00 00 00 01'))).to.equal(false);
    expect(isUnicastMac(hexBytes('01 00 5e 00 00 01'))).to.equal(false);
    expect(isUnicastMac(hexBytes('02 00 00 00 01'))).to.equal(false);
  });

  it('converts address text to wire bytes and back', () => {
    expect(ipv4Bytes('203.0.113.5')).to.deep.equal(hexBytes('cb 00 71 05'));
    expect(ipv6Bytes('2001:DB8:203::5')).to.deep.equal(
      hexBytes('2001 0db8 0203 0000 0000 0000 0000 0005'),
    );
    expect(formatAddressBytes(hexBytes('cb 00 71 0a'))).to.equal('203.0.113.10');
    expect(formatAddressBytes(hexBytes('2001 0db8 0000 0000 0000 0000 0000 0001'))).to.equal(
      '2001:db8::1',
    );
    expect(canonicalAddress('2001:0DB8:0203:0:0:0:0:0005')).to.equal('2001:db8:203::5');
    expect(canonicalAddress('203.0.113.05')).to.equal(null);
    expect(parseAddressBytes('nonsense')).to.equal(null);
    expect(() => ipv4Bytes('2001:db8::1')).to.throw(RangeError);
    expect(() => ipv6Bytes('203.0.113.5')).to.throw(RangeError);
    expect(() => formatAddressBytes(new Uint8Array(5))).to.throw(RangeError);
  });
});

describe('layer2 Ethernet II', () => {
  it('decodes the header fields of a hand-written frame', () => {
    const result = decodeEthernetFrame(ARP_REQUEST_FRAME);
    if (!result.ok) return expect.fail(result.reason);
    expect(result.value.destination).to.deep.equal(hexBytes('ff ff ff ff ff ff'));
    expect(result.value.source).to.deep.equal(CLIENT_MAC);
    expect(result.value.etherType).to.equal(0x0806);
    expect(result.value.payload.length).to.equal(46);
  });

  it('pads short payloads to 46 bytes and leaves long ones alone', () => {
    const short = encodeEthernetFrame({
      destination: CLIENT_MAC,
      source: OUR_MAC,
      etherType: 0x88b5,
      payload: hexBytes('01 02 03'),
    });
    expect(short).to.deep.equal(
      hexBytes('02 00 00 00 00 0a', '02 00 00 00 00 01', '88 b5', '01 02 03', '00'.repeat(43)),
    );
    const long = new Uint8Array(100).fill(7);
    const frame = encodeEthernetFrame({
      destination: CLIENT_MAC,
      source: OUR_MAC,
      etherType: 0x88b5,
      payload: long,
    });
    expect(frame.length).to.equal(114);
  });

  it('round trips: the payload comes back, padded to the minimum', () => {
    const frameArb: fc.Arbitrary<EthernetFrame> = fc.record({
      destination: bytesOf(6),
      source: bytesOf(6),
      etherType: fc.integer({ min: 0, max: 0xffff }),
      payload: fc.uint8Array({ maxLength: 120 }),
    });
    fc.assert(
      fc.property(frameArb, (frame) => {
        const result = decodeEthernetFrame(encodeEthernetFrame(frame));
        if (!result.ok) return expect.fail(result.reason);
        const { payload, ...header } = result.value;
        const { payload: sent, ...sentHeader } = frame;
        expect(header).to.deep.equal(sentHeader);
        expect(payload.length).to.equal(Math.max(46, sent.length));
        expect(payload.subarray(0, sent.length)).to.deep.equal(sent);
        expect(payload.subarray(sent.length).every((b) => b === 0)).to.equal(true);
      }),
      RUNS,
    );
  });

  it('refuses to encode bad addresses and EtherTypes', () => {
    const good = {
      destination: CLIENT_MAC,
      source: OUR_MAC,
      etherType: 0x0806,
      payload: new Uint8Array(),
    };
    expect(() => encodeEthernetFrame({ ...good, destination: new Uint8Array(5) })).to.throw(
      RangeError,
    );
    expect(() => encodeEthernetFrame({ ...good, source: new Uint8Array(7) })).to.throw(RangeError);
    expect(() => encodeEthernetFrame({ ...good, etherType: 0x10000 })).to.throw(RangeError);
  });

  it('gives a reason for every frame shorter than the header', () => {
    for (let n = 0; n < 14; n++) {
      expect(decodeEthernetFrame(ARP_REQUEST_FRAME.subarray(0, n))).to.deep.equal({
        ok: false,
        reason: 'ethernet-short',
      });
    }
  });

  it('returns plain copies, not views of a Buffer the caller may reuse', () => {
    const buffer = Buffer.from(ARP_REQUEST_FRAME);
    const result = decodeEthernetFrame(buffer);
    if (!result.ok) return expect.fail(result.reason);
    buffer.fill(0);
    expect(Buffer.isBuffer(result.value.payload)).to.equal(false);
    expect(result.value.source).to.deep.equal(CLIENT_MAC);
  });

  it('drops VLAN-tagged and foreign EtherTypes by name', () => {
    const tagged = encodeEthernetFrame({
      destination: CLIENT_MAC,
      source: OUR_MAC,
      etherType: EtherType.VLAN,
      payload: hexBytes('00 64 08 06'),
    });
    expect(decodeFrame(tagged)).to.deep.equal({ ok: false, reason: 'vlan-tagged' });
    const qinq = tagged.slice();
    qinq.set([0x88, 0xa8], 12);
    expect(decodeFrame(qinq)).to.deep.equal({ ok: false, reason: 'vlan-tagged' });
    const ipv4 = tagged.slice();
    ipv4.set([0x08, 0x00], 12);
    expect(decodeFrame(ipv4)).to.deep.equal({ ok: false, reason: 'ethertype' });
  });
});

describe('layer2 ARP (RFC 826)', () => {
  const request: ArpPacket = {
    operation: ArpOperation.Request,
    senderHardwareAddress: CLIENT_MAC,
    senderProtocolAddress: hexBytes('cb 00 71 0a'),
    targetHardwareAddress: hexBytes('00 00 00 00 00 00'),
    targetProtocolAddress: hexBytes('cb 00 71 05'),
  };

  it('decodes the hand-written request frame', () => {
    const result = decodeFrame(ARP_REQUEST_FRAME);
    if (!result.ok) return expect.fail(result.reason);
    if (result.value.kind !== 'arp') return expect.fail(result.value.kind);
    expect(result.value.arp).to.deep.equal(request);
  });

  it('encodes the hand-written reply frame byte for byte', () => {
    const reply = encodeArpFrame(
      { destination: CLIENT_MAC, source: OUR_MAC },
      {
        operation: ArpOperation.Reply,
        senderHardwareAddress: OUR_MAC,
        senderProtocolAddress: hexBytes('cb 00 71 05'),
        targetHardwareAddress: CLIENT_MAC,
        targetProtocolAddress: hexBytes('cb 00 71 0a'),
      },
    );
    expect(Buffer.from(reply).toString('hex')).to.equal(
      Buffer.from(ARP_REPLY_FRAME).toString('hex'),
    );
  });

  it('round trips every packet', () => {
    fc.assert(
      fc.property(arpPacketArb, (packet) => {
        const bytes = encodeArpPacket(packet);
        expect(bytes.length).to.equal(ARP_PACKET_LENGTH);
        expect(decodeArpPacket(bytes)).to.deep.equal({ ok: true, value: packet });
      }),
      RUNS,
    );
  });

  it('gives a reason for every truncation', () => {
    const packet = ARP_REQUEST_FRAME.subarray(14, 14 + 28);
    for (let n = 0; n < 28; n++) {
      expect(decodeArpPacket(packet.subarray(0, n)), `length ${n}`).to.deep.equal({
        ok: false,
        reason: 'arp-short',
      });
    }
    for (let n = 14; n < 42; n++) {
      const result = decodeFrame(ARP_REQUEST_FRAME.subarray(0, n));
      expect(result, `frame length ${n}`).to.deep.equal({ ok: false, reason: 'arp-short' });
    }
  });

  it('refuses other hardware types, protocol types, address lengths and operations', () => {
    const packet = encodeArpPacket(request);
    const mutate = (offset: number, ...values: number[]) => {
      const copy = packet.slice();
      copy.set(values, offset);
      return decodeArpPacket(copy);
    };
    expect(mutate(0, 0x00, 0x06)).to.deep.equal({ ok: false, reason: 'arp-hardware-type' }); // IEEE 802
    expect(mutate(2, 0x86, 0xdd)).to.deep.equal({ ok: false, reason: 'arp-protocol-type' });
    expect(mutate(4, 8)).to.deep.equal({ ok: false, reason: 'arp-address-length' });
    expect(mutate(5, 16)).to.deep.equal({ ok: false, reason: 'arp-address-length' });
    expect(mutate(6, 0x00, 0x03)).to.deep.equal({ ok: false, reason: 'arp-operation' }); // RARP
    expect(mutate(6, 0x00, 0x00)).to.deep.equal({ ok: false, reason: 'arp-operation' });
  });

  it('refuses to encode wrong address lengths', () => {
    expect(() =>
      encodeArpPacket({ ...request, senderProtocolAddress: new Uint8Array(16) }),
    ).to.throw(RangeError);
    expect(() =>
      encodeArpPacket({ ...request, targetHardwareAddress: new Uint8Array(8) }),
    ).to.throw(RangeError);
  });
});

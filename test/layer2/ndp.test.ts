/**
 * IPv6, ICMPv6 (checksum over the pseudo-header) and Neighbor Discovery codecs: golden frames
 * written from RFC 8200, 4443 and 4861, a reference checksum written independently, the
 * validity checks of RFC 4861 7.1.1 and 7.1.2, round trips and truncations.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  IPV6_ALL_NODES,
  decodeFrame,
  decodeIcmpv6Message,
  decodeIpv6Packet,
  decodeNdpMessage,
  decodeNdpPacket,
  encodeIcmpv6Message,
  encodeIpv6Packet,
  encodeNdpFrame,
  encodeNdpMessage,
  icmpv6Checksum,
  internetChecksum,
  ipv6Bytes,
  ipv6MulticastMac,
  solicitedNodeGroup,
  solicitedNodeMulticast,
  type Ipv6Packet,
  type LinkLayerAddressOption,
  type NdpMessage,
} from '../../src/layer2/index.js';
import {
  CLIENT_MAC,
  NA_REPLY_FRAME,
  NS_FRAME,
  NS_ICMP_OFFSET,
  OUR_MAC,
  hexBytes,
} from './fixtures.js';

const RUNS = { seed: 4861, numRuns: 500 };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const CLIENT_IP = ipv6Bytes('2001:db8:203::10');
const TARGET = ipv6Bytes('2001:db8:203::5');

/**
 * A second ICMPv6 checksum, written differently from src/layer2/checksum.ts: it builds the
 * pseudo-header and message into one buffer and reads 16-bit words with a DataView, folding
 * the carry after every addition.
 */
function referenceChecksum(source: Uint8Array, destination: Uint8Array, icmp: Uint8Array): number {
  const length = 40 + icmp.length + (icmp.length % 2);
  const all = new Uint8Array(length);
  all.set(source, 0);
  all.set(destination, 16);
  const view = new DataView(all.buffer);
  view.setUint32(32, icmp.length);
  view.setUint8(39, 58);
  all.set(icmp, 40);
  let sum = 0;
  for (let offset = 0; offset < length; offset += 2) {
    sum += view.getUint16(offset);
    if (sum > 0xffff) sum -= 0xffff; // end-around carry
  }
  return 0xffff - sum;
}

/** An IPv6 packet around an NDP message, for the header checks. */
function ndpPacket(
  message: NdpMessage,
  header: { source?: Uint8Array; destination?: Uint8Array; hopLimit?: number },
): Ipv6Packet {
  const source = header.source ?? CLIENT_IP;
  const destination = header.destination ?? solicitedNodeMulticast(TARGET);
  return {
    header: {
      trafficClass: 0,
      flowLabel: 0,
      nextHeader: 58,
      hopLimit: header.hopLimit ?? 255,
      source,
      destination,
    },
    payload: encodeIcmpv6Message(encodeNdpMessage(message), source, destination),
  };
}

const solicitation: NdpMessage = {
  kind: 'neighbor-solicitation',
  targetAddress: TARGET,
  options: [{ direction: 'source', address: CLIENT_MAC }],
};

describe('layer2 ICMPv6 checksum (RFC 4443 2.3)', () => {
  it('the reference implementation agrees with the hand-summed checksum of the NS fixture', () => {
    const icmp = NS_FRAME.slice(NS_ICMP_OFFSET);
    expect(icmp[2]).to.equal(0x18);
    expect(icmp[3]).to.equal(0x03);
    icmp[2] = 0;
    icmp[3] = 0;
    expect(referenceChecksum(CLIENT_IP, solicitedNodeMulticast(TARGET), icmp)).to.equal(0x1803);
    expect(icmpv6Checksum(CLIENT_IP, solicitedNodeMulticast(TARGET), icmp)).to.equal(0x1803);
  });

  it('matches the reference on random messages, odd lengths included', () => {
    fc.assert(
      fc.property(bytesOf(16), bytesOf(16), fc.uint8Array({ maxLength: 300 }), (src, dst, icmp) => {
        expect(icmpv6Checksum(src, dst, icmp)).to.equal(referenceChecksum(src, dst, icmp));
      }),
      RUNS,
    );
  });

  it('sums to zero over a message carrying its own checksum', () => {
    fc.assert(
      fc.property(
        bytesOf(16),
        bytesOf(16),
        fc.uint8Array({ minLength: 4, maxLength: 200 }),
        (src, dst, body) => {
          const icmp = encodeIcmpv6Message({ type: body[0] ?? 0, code: 0, body }, src, dst);
          expect(icmpv6Checksum(src, dst, icmp)).to.equal(0);
        },
      ),
      RUNS,
    );
  });

  it('is the RFC 1071 checksum (its section 3 example words)', () => {
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (after the carry), so the
    // checksum is its complement, 220d.
    expect(internetChecksum([hexBytes('00 01 f2 03 f4 f5 f6 f7')])).to.equal(0x220d);
    expect(() => internetChecksum([hexBytes('01'), hexBytes('02')])).to.throw(RangeError);
  });

  it('drops a message whose checksum is wrong, or that came from another address', () => {
    const icmp = NS_FRAME.slice(NS_ICMP_OFFSET);
    const group = solicitedNodeMulticast(TARGET);
    expect(decodeIcmpv6Message(icmp, CLIENT_IP, group).ok).to.equal(true);
    const corrupt = icmp.slice();
    corrupt[10] = (corrupt[10] ?? 0) ^ 0x01;
    expect(decodeIcmpv6Message(corrupt, CLIENT_IP, group)).to.deep.equal({
      ok: false,
      reason: 'icmpv6-checksum',
    });
    // The pseudo-header is part of the sum: the same bytes from another source are invalid.
    expect(decodeIcmpv6Message(icmp, ipv6Bytes('2001:db8:203::11'), group)).to.deep.equal({
      ok: false,
      reason: 'icmpv6-checksum',
    });
    for (let n = 0; n < 4; n++) {
      expect(decodeIcmpv6Message(icmp.subarray(0, n), CLIENT_IP, group)).to.deep.equal({
        ok: false,
        reason: 'icmpv6-short',
      });
    }
  });
});

describe('layer2 IPv6 header (RFC 8200)', () => {
  it('round trips headers and payloads', () => {
    const packetArb: fc.Arbitrary<Ipv6Packet> = fc.record({
      header: fc.record({
        trafficClass: fc.integer({ min: 0, max: 0xff }),
        flowLabel: fc.integer({ min: 0, max: 0xfffff }),
        nextHeader: fc.integer({ min: 0, max: 0xff }),
        hopLimit: fc.integer({ min: 0, max: 0xff }),
        source: bytesOf(16),
        destination: bytesOf(16),
      }),
      payload: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(packetArb, (packet) => {
        expect(decodeIpv6Packet(encodeIpv6Packet(packet))).to.deep.equal({
          ok: true,
          value: packet,
        });
      }),
      RUNS,
    );
  });

  it('cuts Ethernet padding off at Payload Length, and refuses what is short or not version 6', () => {
    const packet = NS_FRAME.slice(14);
    const padded = new Uint8Array(packet.length + 10);
    padded.set(packet);
    const result = decodeIpv6Packet(padded);
    if (!result.ok) return expect.fail(result.reason);
    expect(result.value.payload.length).to.equal(32);
    for (let n = 0; n < 40; n++) {
      expect(decodeIpv6Packet(packet.subarray(0, n))).to.deep.equal({
        ok: false,
        reason: 'ipv6-short',
      });
    }
    for (let n = 40; n < packet.length; n++) {
      expect(decodeIpv6Packet(packet.subarray(0, n))).to.deep.equal({
        ok: false,
        reason: 'ipv6-truncated',
      });
    }
    const v4 = packet.slice();
    v4[0] = 0x45;
    expect(decodeIpv6Packet(v4)).to.deep.equal({ ok: false, reason: 'ipv6-version' });
  });
});

describe('layer2 NDP (RFC 4861)', () => {
  it('decodes the hand-written Neighbor Solicitation frame', () => {
    const result = decodeFrame(NS_FRAME);
    if (!result.ok) return expect.fail(result.reason);
    if (result.value.kind !== 'ndp') return expect.fail(result.value.kind);
    expect(result.value.ndp).to.deep.equal(solicitation);
    expect(result.value.ipv6.hopLimit).to.equal(255);
    expect(result.value.ipv6.source).to.deep.equal(CLIENT_IP);
    expect(result.value.ethernet.destination).to.deep.equal(hexBytes('33 33 ff 00 00 05'));
  });

  it('encodes the hand-written Neighbor Advertisement frame byte for byte', () => {
    const frame = encodeNdpFrame(
      { destination: CLIENT_MAC, source: OUR_MAC },
      { source: TARGET, destination: CLIENT_IP },
      {
        kind: 'neighbor-advertisement',
        router: false,
        solicited: true,
        override: true,
        targetAddress: TARGET,
        options: [{ direction: 'target', address: OUR_MAC }],
      },
    );
    expect(hex(frame)).to.equal(hex(NA_REPLY_FRAME));
    // And the fixture's checksum, recomputed by the reference over the zeroed field.
    const icmp = NA_REPLY_FRAME.slice(NS_ICMP_OFFSET);
    icmp.fill(0, 2, 4);
    expect(referenceChecksum(TARGET, CLIENT_IP, icmp)).to.equal(0x8454);
  });

  it('encodes and decodes the three NA flags in their bits', () => {
    const flags = (router: boolean, solicited: boolean, override: boolean) =>
      encodeNdpMessage({
        kind: 'neighbor-advertisement',
        router,
        solicited,
        override,
        targetAddress: TARGET,
        options: [],
      }).body[0];
    expect(flags(true, false, false)).to.equal(0x80);
    expect(flags(false, true, false)).to.equal(0x40);
    expect(flags(false, false, true)).to.equal(0x20);
    expect(flags(true, true, true)).to.equal(0xe0);
  });

  it('round trips solicitations and advertisements with link-layer options', () => {
    const optionArb: fc.Arbitrary<LinkLayerAddressOption> = fc.record({
      direction: fc.constantFrom('source' as const, 'target' as const),
      address: bytesOf(6),
    });
    const targetArb = bytesOf(16).filter((a) => a[0] !== 0xff);
    const messageArb: fc.Arbitrary<NdpMessage> = fc.oneof(
      fc.record({
        kind: fc.constant('neighbor-solicitation' as const),
        targetAddress: targetArb,
        options: fc.array(optionArb, { maxLength: 4 }),
      }),
      fc.record({
        kind: fc.constant('neighbor-advertisement' as const),
        router: fc.boolean(),
        solicited: fc.boolean(),
        override: fc.boolean(),
        targetAddress: targetArb,
        options: fc.array(optionArb, { maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(messageArb, bytesOf(16), bytesOf(16), (message, src, dst) => {
        const icmp = decodeIcmpv6Message(
          encodeIcmpv6Message(encodeNdpMessage(message), src, dst),
          src,
          dst,
        );
        if (!icmp.ok) return expect.fail(icmp.reason);
        expect(decodeNdpMessage(icmp.value)).to.deep.equal({ ok: true, value: message });
      }),
      RUNS,
    );
  });

  it('skips unknown options and ignores the reserved field', () => {
    const body = hexBytes(
      'ff ff ff ff', // reserved: must be ignored by the receiver
      '2001 0db8 0203 0000 0000 0000 0000 0005',
      '0e 01 00 00 00 00 00 00', // type 14 (Nonce, RFC 3971) of 8 bytes: skipped
      '01 01 02 00 00 00 00 0a', // source link-layer address
      '05 02',
      zeroBytes(14), //   type 5 (MTU), 16 bytes: skipped
    );
    expect(decodeNdpMessage({ type: 135, code: 0, body })).to.deep.equal({
      ok: true,
      value: solicitation,
    });
  });

  it('applies the message checks of RFC 4861 7.1.1 and 7.1.2', () => {
    const { body } = encodeNdpMessage(solicitation);
    const check = (type: number, code: number, bytes: Uint8Array) =>
      decodeNdpMessage({ type, code, body: bytes });
    expect(check(134, 0, body)).to.deep.equal({ ok: false, reason: 'icmpv6-type' }); // RA
    expect(check(128, 0, body)).to.deep.equal({ ok: false, reason: 'icmpv6-type' }); // echo
    expect(check(135, 1, body)).to.deep.equal({ ok: false, reason: 'ndp-code' });
    for (let n = 0; n < 20; n++) {
      expect(check(135, 0, body.subarray(0, n))).to.deep.equal({ ok: false, reason: 'ndp-short' });
      expect(check(136, 0, body.subarray(0, n))).to.deep.equal({ ok: false, reason: 'ndp-short' });
    }
    const multicastTarget = body.slice();
    multicastTarget.set(IPV6_ALL_NODES, 4);
    expect(check(135, 0, multicastTarget)).to.deep.equal({
      ok: false,
      reason: 'ndp-target-multicast',
    });
    expect(check(136, 0, multicastTarget)).to.deep.equal({
      ok: false,
      reason: 'ndp-target-multicast',
    });
    const zeroLength = body.slice();
    zeroLength[21] = 0;
    expect(check(135, 0, zeroLength)).to.deep.equal({ ok: false, reason: 'ndp-option-length' });
    const overrun = body.slice();
    overrun[21] = 2;
    expect(check(135, 0, overrun)).to.deep.equal({ ok: false, reason: 'ndp-option-length' });
    const strayByte = new Uint8Array(body.length + 1);
    strayByte.set(body);
    expect(check(135, 0, strayByte)).to.deep.equal({ ok: false, reason: 'ndp-option-length' });
    const longLinkLayer = new Uint8Array(body.length + 8);
    longLinkLayer.set(body);
    longLinkLayer[21] = 2;
    expect(check(135, 0, longLinkLayer)).to.deep.equal({
      ok: false,
      reason: 'ndp-link-layer-address',
    });
    // Options cut anywhere: a reason every time.
    for (let n = 21; n < body.length; n++) {
      expect(check(135, 0, body.subarray(0, n))).to.deep.equal({
        ok: false,
        reason: 'ndp-option-length',
      });
    }
  });

  it('applies the header checks of RFC 4861 7.1.1 and 7.1.2', () => {
    const reason = (packet: Ipv6Packet) => {
      const result = decodeNdpPacket(packet);
      return result.ok ? 'ok' : result.reason;
    };
    expect(reason(ndpPacket(solicitation, {}))).to.equal('ok');
    expect(reason(ndpPacket(solicitation, { hopLimit: 254 }))).to.equal('ndp-hop-limit');
    expect(reason(ndpPacket(solicitation, { hopLimit: 64 }))).to.equal('ndp-hop-limit');
    expect(
      reason({
        ...ndpPacket(solicitation, {}),
        header: { ...ndpPacket(solicitation, {}).header, nextHeader: 17 },
      }),
    ).to.equal('not-icmpv6');
    expect(reason(ndpPacket(solicitation, { source: IPV6_ALL_NODES }))).to.equal(
      'ndp-source-multicast',
    );

    // Duplicate Address Detection: from ::, to the solicited-node group, without source option.
    const probe: NdpMessage = { kind: 'neighbor-solicitation', targetAddress: TARGET, options: [] };
    const unspecified = new Uint8Array(16);
    expect(reason(ndpPacket(probe, { source: unspecified }))).to.equal('ok');
    expect(reason(ndpPacket(solicitation, { source: unspecified }))).to.equal(
      'ndp-unspecified-source-link-layer',
    );
    expect(reason(ndpPacket(probe, { source: unspecified, destination: TARGET }))).to.equal(
      'ndp-unspecified-destination',
    );
    // A target link-layer option in a probe is not a source one: allowed (and ignored).
    const probeWithTarget: NdpMessage = {
      ...probe,
      options: [{ direction: 'target', address: CLIENT_MAC }],
    };
    expect(reason(ndpPacket(probeWithTarget, { source: unspecified }))).to.equal('ok');

    const advertisement = (solicited: boolean): NdpMessage => ({
      kind: 'neighbor-advertisement',
      router: false,
      solicited,
      override: true,
      targetAddress: TARGET,
      options: [],
    });
    expect(reason(ndpPacket(advertisement(false), { destination: IPV6_ALL_NODES }))).to.equal('ok');
    expect(reason(ndpPacket(advertisement(true), { destination: IPV6_ALL_NODES }))).to.equal(
      'ndp-solicited-multicast',
    );
    expect(reason(ndpPacket(advertisement(true), { destination: CLIENT_IP }))).to.equal('ok');
  });

  it('gives a reason for every truncation of the solicitation frame', () => {
    for (let n = 0; n < NS_FRAME.length; n++) {
      const result = decodeFrame(NS_FRAME.subarray(0, n));
      expect(result.ok, `length ${n}`).to.equal(false);
      if (!result.ok)
        expect(result.reason).to.match(/^(ethernet-short|ipv6-short|ipv6-truncated)$/);
    }
  });

  it('refuses to encode targets and options of the wrong length', () => {
    expect(() => encodeNdpMessage({ ...solicitation, targetAddress: new Uint8Array(4) })).to.throw(
      RangeError,
    );
    expect(() =>
      encodeNdpMessage({
        ...solicitation,
        options: [{ direction: 'source', address: new Uint8Array(8) }],
      }),
    ).to.throw(RangeError);
  });
});

describe('layer2 solicited-node multicast (RFC 4291 2.7.1, RFC 2464 7)', () => {
  it('keeps the low 24 bits of the address under ff02::1:ff00:0/104', () => {
    expect(hex(solicitedNodeMulticast(ipv6Bytes('2001:db8:203::5')))).to.equal(
      'ff0200000000000000000001ff000005',
    );
    expect(hex(solicitedNodeMulticast(ipv6Bytes('fe80::2aa:ff:fe28:9c5a')))).to.equal(
      'ff0200000000000000000001ff289c5a',
    );
  });

  it('maps a group to 33:33 and its last four bytes', () => {
    expect(hex(ipv6MulticastMac(IPV6_ALL_NODES))).to.equal('333300000001');
    expect(hex(ipv6MulticastMac(ipv6Bytes('ff02::1:ff28:9c5a')))).to.equal('3333ff289c5a');
  });

  it('gives the group of an address as text and MAC', () => {
    // RFC 4291's own example: 4037::01:800:200E:8C6C -> FF02::1:FF0E:8C6C.
    const group = solicitedNodeGroup('4037::01:800:200E:8C6C');
    expect(group.address).to.equal('ff02::1:ff0e:8c6c');
    expect(hex(group.mac)).to.equal('3333ff0e8c6c');
    expect(() => solicitedNodeGroup('203.0.113.5')).to.throw(RangeError);
  });
});

function zeroBytes(n: number): string {
  return '00'.repeat(n);
}

/**
 * The responder: which frames get an answer, and the answer byte for byte (the golden frames
 * of fixtures.ts), following v0.9's ARP and NDP responders and RFC 4861 7.2.4.
 */
import { expect } from 'chai';
import {
  AnnouncedSet,
  decodeFrame,
  encodeArpFrame,
  encodeNdpFrame,
  ipv4Bytes,
  ipv6Bytes,
  respond,
  solicitedNodeMulticast,
  type LinkLayerAddressOption,
  type ResponderDecision,
} from '../../src/layer2/index.js';
import {
  ARP_REPLY_FRAME,
  ARP_REQUEST_FRAME,
  CLIENT_MAC,
  GRATUITOUS_ARP_FRAMES,
  NA_REPLY_FRAME,
  NS_FRAME,
  OUR_MAC,
  UNSOLICITED_NA_FRAME,
  VIP4,
  VIP6,
  hexBytes,
} from './fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const eth0 = { name: 'eth0', mac: OUR_MAC };
const announced = new Set([VIP4, VIP6]);
const OTHER_MAC = hexBytes('02 00 00 00 00 0b');
const CLIENT_IP6 = ipv6Bytes('2001:db8:203::10');
const TARGET = ipv6Bytes(VIP6);

function expectReply(decision: ResponderDecision, ip: string, protocol: 'arp' | 'ndp'): Uint8Array {
  if (decision.kind !== 'reply') return expect.fail(`ignored: ${decision.reason}`);
  expect(decision.ip).to.equal(ip);
  expect(decision.protocol).to.equal(protocol);
  return decision.reply;
}

function arpFrame(options: {
  ethernetDestination?: Uint8Array;
  ethernetSource?: Uint8Array;
  operation?: 1 | 2;
  target?: string;
}): Uint8Array {
  return encodeArpFrame(
    {
      destination: options.ethernetDestination ?? hexBytes('ff ff ff ff ff ff'),
      source: options.ethernetSource ?? CLIENT_MAC,
    },
    {
      operation: options.operation ?? 1,
      senderHardwareAddress: CLIENT_MAC,
      senderProtocolAddress: ipv4Bytes('203.0.113.10'),
      targetHardwareAddress: new Uint8Array(6),
      targetProtocolAddress: ipv4Bytes(options.target ?? VIP4),
    },
  );
}

function solicitationFrame(options: {
  ethernetSource?: Uint8Array;
  source?: Uint8Array;
  destination?: Uint8Array;
  target?: string;
  linkLayer?: LinkLayerAddressOption[];
}): Uint8Array {
  const target = ipv6Bytes(options.target ?? VIP6);
  return encodeNdpFrame(
    { destination: hexBytes('33 33 ff 00 00 05'), source: options.ethernetSource ?? CLIENT_MAC },
    {
      source: options.source ?? CLIENT_IP6,
      destination: options.destination ?? solicitedNodeMulticast(target),
    },
    {
      kind: 'neighbor-solicitation',
      targetAddress: target,
      options: options.linkLayer ?? [{ direction: 'source', address: CLIENT_MAC }],
    },
  );
}

describe('layer2 responder: ARP', () => {
  it('answers the hand-written request with the hand-written reply', () => {
    const reply = expectReply(respond(ARP_REQUEST_FRAME, eth0, announced), VIP4, 'arp');
    expect(hex(reply)).to.equal(hex(ARP_REPLY_FRAME));
  });

  it('answers a request sent to our MAC, as v0.9 did', () => {
    const frame = arpFrame({ ethernetDestination: OUR_MAC });
    expect(respond(frame, eth0, announced).kind).to.equal('reply');
  });

  it('ignores requests to another unicast or a multicast MAC', () => {
    for (const destination of [OTHER_MAC, hexBytes('01 00 5e 00 00 01')]) {
      expect(
        respond(arpFrame({ ethernetDestination: destination }), eth0, announced),
      ).to.deep.equal({
        kind: 'ignore',
        reason: 'ethernet-destination',
        protocol: 'arp',
        ip: VIP4,
      });
    }
  });

  it('ignores replies, even for announced addresses', () => {
    expect(respond(arpFrame({ operation: 2 }), eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'arp-reply',
      protocol: 'arp',
    });
  });

  it('ignores requests for addresses it does not announce, naming the address', () => {
    expect(respond(arpFrame({ target: '203.0.113.6' }), eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'not-announced',
      protocol: 'arp',
      ip: '203.0.113.6',
    });
    expect(respond(ARP_REQUEST_FRAME, eth0, new Set<string>()).kind).to.equal('ignore');
  });

  it('ignores frames from its own MAC, such as its own gratuitous request looping back', () => {
    for (const frame of GRATUITOUS_ARP_FRAMES) {
      expect(respond(frame, eth0, announced)).to.deep.equal({
        kind: 'ignore',
        reason: 'own-frame',
      });
    }
    expect(respond(arpFrame({ ethernetSource: OUR_MAC }), eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'own-frame',
    });
  });

  it('answers on each interface with that interface MAC', () => {
    const eth1 = { name: 'eth1', mac: OTHER_MAC };
    const reply = expectReply(respond(ARP_REQUEST_FRAME, eth1, announced), VIP4, 'arp');
    const decoded = decodeFrame(reply);
    if (!decoded.ok || decoded.value.kind !== 'arp') return expect.fail('reply does not decode');
    expect(decoded.value.ethernet.source).to.deep.equal(OTHER_MAC);
    expect(decoded.value.arp.senderHardwareAddress).to.deep.equal(OTHER_MAC);
  });

  it('refuses to answer for an interface without a usable MAC', () => {
    for (const mac of [new Uint8Array(0), new Uint8Array(6), hexBytes('ff ff ff ff ff ff')]) {
      expect(respond(ARP_REQUEST_FRAME, { name: 'lo', mac }, announced)).to.deep.equal({
        kind: 'ignore',
        reason: 'interface-mac',
      });
    }
  });

  it('passes decode reasons through', () => {
    expect(respond(ARP_REQUEST_FRAME.subarray(0, 30), eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'arp-short',
    });
    expect(respond(new Uint8Array(3), eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'ethernet-short',
    });
  });
});

describe('layer2 responder: NDP', () => {
  it('answers the hand-written solicitation with the hand-written advertisement', () => {
    const reply = expectReply(respond(NS_FRAME, eth0, announced), VIP6, 'ndp');
    expect(hex(reply)).to.equal(hex(NA_REPLY_FRAME));
  });

  it('finds the address in any text form through an AnnouncedSet', () => {
    const set = new AnnouncedSet(['2001:0DB8:0203:0000::0005']);
    expect(hex(expectReply(respond(NS_FRAME, eth0, set), VIP6, 'ndp'))).to.equal(
      hex(NA_REPLY_FRAME),
    );
  });

  it('sends to the source link-layer option, else to the frame source MAC', () => {
    const viaOption = solicitationFrame({
      ethernetSource: OTHER_MAC,
      linkLayer: [{ direction: 'source', address: CLIENT_MAC }],
    });
    const first = expectReply(respond(viaOption, eth0, announced), VIP6, 'ndp');
    expect(hex(first.subarray(0, 6))).to.equal(hex(CLIENT_MAC));

    // No source option (a target one does not count): the frame's source.
    const withoutOption = solicitationFrame({
      ethernetSource: OTHER_MAC,
      linkLayer: [{ direction: 'target', address: CLIENT_MAC }],
    });
    const second = expectReply(respond(withoutOption, eth0, announced), VIP6, 'ndp');
    expect(hex(second.subarray(0, 6))).to.equal(hex(OTHER_MAC));
    const decoded = decodeFrame(second);
    if (!decoded.ok || decoded.value.kind !== 'ndp') return expect.fail('reply does not decode');
    expect(decoded.value.ipv6.destination).to.deep.equal(CLIENT_IP6);
    expect(decoded.value.ipv6.source).to.deep.equal(TARGET);
  });

  it('answers a DAD probe from :: with an advertisement to all nodes, Solicited clear', () => {
    const probe = solicitationFrame({ source: new Uint8Array(16), linkLayer: [] });
    const reply = expectReply(respond(probe, eth0, announced), VIP6, 'ndp');
    // Exactly the unsolicited advertisement: ff02::1, 33:33:00:00:00:01, S=0, O=1.
    expect(hex(reply)).to.equal(hex(UNSOLICITED_NA_FRAME));
  });

  it('answers a unicast solicitation (neighbour unreachability detection)', () => {
    const frame = solicitationFrame({ destination: TARGET });
    expect(hex(expectReply(respond(frame, eth0, announced), VIP6, 'ndp'))).to.equal(
      hex(NA_REPLY_FRAME),
    );
  });

  it('ignores solicitations sent elsewhere than the target or its group', () => {
    for (const destination of [ipv6Bytes('ff02::1'), ipv6Bytes('ff02::1:ff00:6'), CLIENT_IP6]) {
      expect(respond(solicitationFrame({ destination }), eth0, announced)).to.deep.equal({
        kind: 'ignore',
        reason: 'ipv6-destination',
        protocol: 'ndp',
        ip: VIP6,
      });
    }
  });

  it('ignores solicitations for addresses it does not announce, naming the address', () => {
    expect(
      respond(solicitationFrame({ target: '2001:db8:203::6' }), eth0, announced),
    ).to.deep.equal({
      kind: 'ignore',
      reason: 'not-announced',
      protocol: 'ndp',
      ip: '2001:db8:203::6',
    });
  });

  it('ignores advertisements, including its own, and invalid solicitations', () => {
    const fromSomeoneElse = UNSOLICITED_NA_FRAME.slice();
    fromSomeoneElse.set(OTHER_MAC, 6);
    expect(respond(fromSomeoneElse, eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'not-solicitation',
      protocol: 'ndp',
    });
    expect(respond(UNSOLICITED_NA_FRAME, eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'own-frame',
    });
    const routed = NS_FRAME.slice();
    routed[14 + 7] = 64; // hop limit is outside the checksum
    expect(respond(routed, eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'ndp-hop-limit',
    });
    const corrupt = NS_FRAME.slice();
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff;
    expect(respond(corrupt, eth0, announced)).to.deep.equal({
      kind: 'ignore',
      reason: 'icmpv6-checksum',
    });
  });

  it('builds replies that its own decoder accepts', () => {
    for (const frame of [
      NS_FRAME,
      solicitationFrame({ source: new Uint8Array(16), linkLayer: [] }),
    ]) {
      const reply = expectReply(respond(frame, eth0, announced), VIP6, 'ndp');
      const decoded = decodeFrame(reply);
      if (!decoded.ok) return expect.fail(decoded.reason);
      if (decoded.value.kind !== 'ndp' || decoded.value.ndp.kind !== 'neighbor-advertisement') {
        return expect.fail('not an advertisement');
      }
      expect(decoded.value.ipv6.hopLimit).to.equal(255);
      expect(decoded.value.ndp.override).to.equal(true);
      expect(decoded.value.ndp.router).to.equal(false);
      expect(decoded.value.ndp.options).to.deep.equal([{ direction: 'target', address: OUR_MAC }]);
    }
  });
});

describe('layer2 AnnouncedSet', () => {
  it('stores canonical text and finds any form', () => {
    const set = new AnnouncedSet(['203.0.113.5', '2001:DB8::1']);
    expect([...set]).to.deep.equal(['203.0.113.5', '2001:db8::1']);
    expect(set.has('2001:db8:0::1')).to.equal(true);
    expect(set.has('2001:db8::2')).to.equal(false);
    expect(set.has('nonsense')).to.equal(false);
    expect(set.delete('2001:0db8::1')).to.equal(true);
    expect(set.size).to.equal(1);
    expect(set.delete('nonsense')).to.equal(false);
    expect(() => set.add('203.0.113.256')).to.throw(RangeError);
  });
});

/**
 * Seeded fuzzing of everything the responder reads from the network: 20,000 frames, some
 * random bytes, most mutations of the golden frames (bit flips, bytes set to awkward values,
 * insertions, deletions, truncations, extensions, splices). Mutated IPv6 frames usually get
 * their ICMPv6 checksum redone, so the mutations reach the Neighbor Discovery parser and its
 * checks instead of all stopping at the checksum.
 *
 * Every frame goes through `decodeFrame` and `respond`, which must return, never throw, with a
 * known reason when they drop; every reply must itself decode, come from our MAC, and answer
 * for an announced address. Deterministic for a seed; environment knobs LAYER2_FUZZ_SEED
 * (default 0x6c327a7a) and LAYER2_FUZZ_RUNS (20000).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  AnnouncedSet,
  decodeFrame,
  encodeNdpFrame,
  icmpv6Checksum,
  ipv6Bytes,
  respond,
  solicitedNodeMulticast,
  type FrameDropReason,
  type IgnoreReason,
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
} from './fixtures.js';

const SEED = Number(process.env.LAYER2_FUZZ_SEED ?? 0x6c327a7a);
const RUNS = Number(process.env.LAYER2_FUZZ_RUNS ?? 20000);

const FRAME_REASONS: readonly FrameDropReason[] = [
  'ethernet-short',
  'vlan-tagged',
  'ethertype',
  'arp-short',
  'arp-hardware-type',
  'arp-protocol-type',
  'arp-address-length',
  'arp-operation',
  'ipv6-short',
  'ipv6-version',
  'ipv6-truncated',
  'not-icmpv6',
  'icmpv6-short',
  'icmpv6-checksum',
  'icmpv6-type',
  'ndp-code',
  'ndp-short',
  'ndp-target-multicast',
  'ndp-option-length',
  'ndp-link-layer-address',
  'ndp-hop-limit',
  'ndp-source-multicast',
  'ndp-unspecified-destination',
  'ndp-unspecified-source-link-layer',
  'ndp-solicited-multicast',
];
const IGNORE_REASONS: readonly IgnoreReason[] = [
  ...FRAME_REASONS,
  'interface-mac',
  'own-frame',
  'arp-reply',
  'ethernet-destination',
  'not-solicitation',
  'ipv6-destination',
  'not-announced',
];

const dadProbe = encodeNdpFrame(
  { destination: Uint8Array.of(0x33, 0x33, 0xff, 0, 0, 5), source: CLIENT_MAC },
  { source: new Uint8Array(16), destination: solicitedNodeMulticast(ipv6Bytes(VIP6)) },
  { kind: 'neighbor-solicitation', targetAddress: ipv6Bytes(VIP6), options: [] },
);
const CORPUS: readonly Uint8Array[] = [
  ARP_REQUEST_FRAME,
  ARP_REPLY_FRAME,
  NS_FRAME,
  NA_REPLY_FRAME,
  UNSOLICITED_NA_FRAME,
  dadProbe,
  ...GRATUITOUS_ARP_FRAMES,
];

/** Values that sit on the boundaries the decoders check. */
const AWKWARD = [
  0x00, 0x01, 0x02, 0x06, 0x08, 0x3a, 0x60, 0x7f, 0x80, 0x86, 0x87, 0x88, 0xdd, 0xfe, 0xff,
];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'splice'; at: number; other: number; from: number };

/**
 * Anywhere, or on a field: EtherType (12), IPv6 hop limit (21), source (22) and destination
 * (38), ICMPv6 type, code and body (54..), NDP target (62) and first option (78).
 */
const position = fc.oneof(
  fc.nat({ max: 200 }),
  fc.constantFrom(12, 13, 14, 15, 19, 20, 21, 22, 37, 38, 53, 54, 55, 58, 62, 77, 78, 79, 80, 85),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: position,
    value: fc.oneof(fc.constantFrom(...AWKWARD), fc.nat({ max: 255 })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: position,
    count: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('extend' as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: position,
    other: fc.nat({ max: CORPUS.length - 1 }),
    from: position,
  }),
);

function mutate(frame: Uint8Array, mutation: Mutation): Uint8Array {
  const at =
    frame.length === 0 ? 0 : mutation.kind === 'extend' ? 0 : mutation.at % (frame.length + 1);
  switch (mutation.kind) {
    case 'flip': {
      if (at >= frame.length) return frame;
      const out = frame.slice();
      out[at] = (out[at] ?? 0) ^ (1 << mutation.bit);
      return out;
    }
    case 'set': {
      if (at >= frame.length) return frame;
      const out = frame.slice();
      out[at] = mutation.value;
      return out;
    }
    case 'insert':
      return Buffer.concat([frame.subarray(0, at), mutation.bytes, frame.subarray(at)]);
    case 'delete':
      return Buffer.concat([frame.subarray(0, at), frame.subarray(at + mutation.count)]);
    case 'truncate':
      return frame.slice(0, at);
    case 'extend':
      return Buffer.concat([frame, mutation.bytes]);
    case 'splice': {
      const other = CORPUS[mutation.other] ?? frame;
      const from = mutation.from % (other.length + 1);
      return Buffer.concat([frame.subarray(0, at), other.subarray(from)]);
    }
  }
}

/** Redoes the ICMPv6 checksum of an IPv6 frame, as far as its length allows. */
function fixChecksum(frame: Uint8Array): Uint8Array {
  if (frame.length < 14 + 40 + 4 || frame[12] !== 0x86 || frame[13] !== 0xdd) return frame;
  const out = Uint8Array.from(frame);
  const payloadLength = Math.min(((out[18] ?? 0) << 8) | (out[19] ?? 0), out.length - 54);
  if (payloadLength < 4) return out;
  const icmp = out.subarray(54, 54 + payloadLength);
  icmp[2] = 0;
  icmp[3] = 0;
  const checksum = icmpv6Checksum(out.subarray(22, 38), out.subarray(38, 54), icmp);
  icmp[2] = checksum >> 8;
  icmp[3] = checksum & 0xff;
  return out;
}

const frameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(0x0806, 0x86dd), fc.uint8Array({ maxLength: 120 }))
      .map(([etherType, payload]) =>
        fixChecksum(
          Buffer.concat([
            CLIENT_MAC,
            OUR_MAC,
            Uint8Array.of(etherType >> 8, etherType & 0xff),
            payload,
          ]),
        ),
      ),
  },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...CORPUS),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 3 }),
      )
      .map(([frame, mutations, fix]) => {
        const mutated = mutations.reduce(mutate, frame);
        return fix === 0 ? mutated : fixChecksum(mutated); // 3 in 4 get a fresh checksum
      }),
  },
);

describe('layer2 fuzz: decoders and responder never throw', function () {
  this.timeout(120_000);

  it(`${RUNS} random and mutated frames (seed ${SEED})`, () => {
    const announced = new AnnouncedSet([VIP4, VIP6]);
    const eth0 = { name: 'eth0', mac: Uint8Array.of(0x02, 0, 0, 0, 0, 0x01) };
    // Each frame is also answered on a second interface, where our golden frames are foreign.
    const eth1 = { name: 'eth1', mac: Uint8Array.of(0x02, 0, 0, 0, 0, 0x63) };
    const reasons = new Map<string, number>();
    let replies = 0;
    const see = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);

    fc.assert(
      fc.property(frameArb, (frame) => {
        const decoded = decodeFrame(frame);
        if (!decoded.ok) expect(FRAME_REASONS).to.include(decoded.reason);
        for (const iface of [eth0, eth1]) {
          const decision = respond(frame, iface, announced);
          if (decision.kind === 'ignore') {
            expect(IGNORE_REASONS).to.include(decision.reason);
            see(decision.reason);
            continue;
          }
          replies++;
          see(`reply-${decision.protocol}`);
          expect(announced.has(decision.ip)).to.equal(true);
          const reply = decodeFrame(decision.reply);
          if (!reply.ok) return expect.fail(`reply does not decode: ${reply.reason}`);
          expect(reply.value.ethernet.source).to.deep.equal(iface.mac);
          if (reply.value.kind === 'arp') {
            expect(decision.protocol).to.equal('arp');
            expect(reply.value.arp.operation).to.equal(2);
            expect(reply.value.arp.senderHardwareAddress).to.deep.equal(iface.mac);
          } else {
            expect(decision.protocol).to.equal('ndp');
            expect(reply.value.ndp.kind).to.equal('neighbor-advertisement');
            expect(reply.value.ipv6.hopLimit).to.equal(255);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );

    if (process.env.LAYER2_FUZZ_PRINT !== undefined) console.log(replies, [...reasons].sort());
    // The mutations must reach deep: replies, and drops at every layer.
    expect(replies).to.be.above(RUNS / 100);
    for (const reason of [
      'ethernet-short',
      'arp-short',
      'icmpv6-checksum',
      'ndp-option-length',
      'ndp-hop-limit',
      'not-announced',
      'own-frame',
    ]) {
      expect(reasons.get(reason) ?? 0, reason).to.be.above(0);
    }
    expect(reasons.size).to.be.at.least(25);
  });
});

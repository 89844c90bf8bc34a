/**
 * Round trips of random valid messages: decode(encode(m)) gives m back (communities sorted and
 * without duplicates, as the encoder writes them), and encoding is stable.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  decodeMessage,
  encodeMessage,
  type AsPathSegment,
  type Capability,
  type CodecContext,
  type Message,
  type PathAttributes,
  type RawAttribute,
  type UpdateMessage,
} from '../../src/bgp/index.js';
import { makeCidr, type Cidr, type Family, type IPAddress } from '../../src/ip/index.js';

const RUNS = { seed: 4271, numRuns: 400 };

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bigintBits = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

const prefixArb = (family: Family): fc.Arbitrary<Cidr> =>
  fc
    .tuple(
      bigintBits(family === 4 ? 32 : 128),
      fc.integer({ min: 0, max: family === 4 ? 32 : 128 }),
    )
    .map(([value, length]) => makeCidr(family, value, length));

const ipv6Arb: fc.Arbitrary<IPAddress> = bigintBits(128).map((value) => ({ family: 6, value }));
/** A unicast IPv4 next hop: first byte 1..223. */
const nextHopArb: fc.Arbitrary<IPAddress> = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 0xffffff }))
  .map(([first, rest]) => ({ family: 4, value: (BigInt(first) << 24n) | BigInt(rest) }));

/**
 * Confederation segments first, as RFC 5065 places them (the AS4_PATH merge relies on it).
 * Towards a 2-octet speaker their AS numbers stay below 65536: RFC 6793 section 4.2.2 keeps
 * confederation segments out of AS4_PATH, so a larger one could not come back.
 */
const asPathArb = (context: CodecContext): fc.Arbitrary<AsPathSegment[]> => {
  const segment = (types: (1 | 2 | 3 | 4)[], maxAsn: number) =>
    fc.record({
      type: fc.constantFrom(...types),
      asns: fc.array(fc.integer({ min: 0, max: maxAsn }), { minLength: 1, maxLength: 8 }),
    });
  const confedMax = context.fourOctetAs ? 0xffffffff : 0xffff;
  return fc
    .tuple(
      fc.array(segment([3, 4], confedMax), { maxLength: 2 }),
      fc.array(segment([1, 2], 0xffffffff), { maxLength: 4 }),
    )
    .map(([confed, rest]) => [...confed, ...rest]);
};

/** Optional attributes with type codes the codec does not interpret. */
const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 17, 18]);
const rawArb: fc.Arbitrary<RawAttribute> = fc
  .record({
    flags: fc.constantFrom(0x80, 0xc0, 0xe0, 0x90, 0xd0),
    typeCode: fc.integer({ min: 0, max: 255 }).filter((t) => !KNOWN.has(t)),
    value: fc.uint8Array({ maxLength: 300 }),
  })
  .map((raw) => (raw.value.length > 255 ? { ...raw, flags: raw.flags | 0x10 } : raw));

const updateArb = (context: CodecContext): fc.Arbitrary<UpdateMessage> =>
  fc
    .record(
      {
        withdrawn: fc.array(prefixArb(4), { maxLength: 30 }),
        nlri: fc.array(prefixArb(4), { maxLength: 30 }),
        origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
        asPath: asPathArb(context),
        nextHop: nextHopArb,
        multiExitDisc: fc.option(u32, { nil: undefined }),
        localPref: fc.option(u32, { nil: undefined }),
        communities: fc.option(fc.uniqueArray(u32, { minLength: 1, maxLength: 10 }), {
          nil: undefined,
        }),
        mpReach: fc.option(
          fc.record({
            afi: fc.constant(2),
            safi: fc.constant(1),
            nextHops: fc.array(ipv6Arb, { minLength: 1, maxLength: 2 }),
            nlri: fc.array(prefixArb(6), { maxLength: 30 }),
          }),
          { nil: undefined },
        ),
        mpUnreach: fc.option(
          fc.record({
            afi: fc.constant(2),
            safi: fc.constant(1),
            withdrawn: fc.array(prefixArb(6), { maxLength: 30 }),
          }),
          { nil: undefined },
        ),
        other: fc.uniqueArray(rawArb, { maxLength: 3, selector: (raw) => raw.typeCode }),
        withAttributes: fc.boolean(),
      },
      {
        requiredKeys: [
          'withdrawn',
          'nlri',
          'origin',
          'asPath',
          'nextHop',
          'other',
          'withAttributes',
        ],
      },
    )
    .map((r) => {
      // An UPDATE with routes carries the mandatory attributes; a pure withdrawal may carry none.
      const routes = r.nlri.length > 0 || (r.mpReach?.nlri.length ?? 0) > 0;
      if (!routes && !r.withAttributes) {
        const attributes: PathAttributes =
          r.mpUnreach === undefined ? {} : { mpUnreach: r.mpUnreach };
        return { type: 'update', withdrawn: r.withdrawn, attributes, nlri: [] };
      }
      const attributes: PathAttributes = {
        origin: r.origin,
        asPath: r.asPath,
        nextHop: r.nextHop,
        ...(r.multiExitDisc === undefined ? {} : { multiExitDisc: r.multiExitDisc }),
        ...(r.localPref === undefined ? {} : { localPref: r.localPref }),
        ...(r.communities === undefined
          ? {}
          : { communities: [...r.communities].sort((a, b) => a - b) }),
        ...(r.mpReach === undefined ? {} : { mpReach: r.mpReach }),
        ...(r.mpUnreach === undefined ? {} : { mpUnreach: r.mpUnreach }),
        // The encoder writes attributes in ascending type order (RFC 4271 section 5).
        ...(r.other.length === 0
          ? {}
          : { other: [...r.other].sort((a, b) => a.typeCode - b.typeCode) }),
      };
      return { type: 'update', withdrawn: r.withdrawn, attributes, nlri: r.nlri };
    });

const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({
    kind: fc.constant('multiprotocol' as const),
    afi: fc.integer({ min: 0, max: 0xffff }),
    safi: fc.integer({ min: 0, max: 255 }),
  }),
  fc.constant({ kind: 'routeRefresh' as const }),
  fc.record({ kind: fc.constant('fourOctetAs' as const), asn: u32 }),
  fc.record({
    kind: fc.constant('unknown' as const),
    code: fc.integer({ min: 0, max: 255 }).filter((c) => c !== 1 && c !== 2 && c !== 65),
    value: fc.uint8Array({ maxLength: 20 }),
  }),
);

const messageArb = (context: CodecContext): fc.Arbitrary<Message> =>
  fc.oneof(
    fc.record({
      type: fc.constant('open' as const),
      version: fc.constant(4),
      myAs: fc.integer({ min: 0, max: 0xffff }),
      holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
      bgpId: fc.integer({ min: 1, max: 0xffffffff }),
      capabilities: fc.array(capabilityArb, { maxLength: 10 }),
    }),
    updateArb(context),
    fc.record({
      type: fc.constant('notification' as const),
      code: fc.integer({ min: 0, max: 255 }),
      subcode: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 100 }),
    }),
    fc.constant({ type: 'keepalive' as const }),
    fc.record({
      type: fc.constant('routeRefresh' as const),
      afi: fc.integer({ min: 0, max: 0xffff }),
      safi: fc.integer({ min: 0, max: 255 }),
    }),
  );

describe('bgp round trips (fast-check)', () => {
  for (const context of [{ fourOctetAs: true }, { fourOctetAs: false }]) {
    it(`decode(encode(m)) = m for random valid messages (fourOctetAs ${context.fourOctetAs})`, () => {
      fc.assert(
        fc.property(messageArb(context), (message) => {
          const bytes = encodeMessage(message, context);
          expect(decodeMessage(bytes, context)).to.deep.equal({ ok: true, message });
          // Stable: encoding the decoded message gives the same bytes.
          const again = decodeMessage(bytes, context);
          if (again.ok) expect(encodeMessage(again.message, context)).to.deep.equal(bytes);
        }),
        RUNS,
      );
    });
  }

  it('communities come back sorted ascending without duplicates', () => {
    fc.assert(
      fc.property(fc.array(u32, { minLength: 1, maxLength: 40 }), (communities) => {
        const message: UpdateMessage = {
          type: 'update',
          withdrawn: [],
          attributes: { communities },
          nlri: [],
        };
        const decoded = decodeMessage(encodeMessage(message, { fourOctetAs: true }), {
          fourOctetAs: true,
        });
        const expected = [...new Set(communities)].sort((a, b) => a - b);
        expect(
          decoded.ok && decoded.message.type === 'update' && decoded.message.attributes.communities,
        ).to.deep.equal(expected);
      }),
      RUNS,
    );
  });
});

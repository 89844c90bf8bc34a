/**
 * packUpdates and packWithdrawals: every prefix in exactly one UPDATE, in order, each UPDATE
 * within 4096 bytes and carrying the shared attributes; the number of UPDATEs for 10,000
 * routes (v0.9 sent 10,000).
 */
import { expect } from 'chai';
import {
  MAX_MESSAGE_LENGTH,
  Origin,
  decodeMessage,
  encodeMessage,
  packUpdates,
  packWithdrawals,
  type CodecContext,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/bgp/index.js';
import { makeCidr, type Cidr } from '../../src/ip/index.js';
import { AS2, AS4, ip } from './helpers.js';

const V4_PREFIXES: Cidr[] = Array.from({ length: 10000 }, (_, i) =>
  makeCidr(4, 0x0a000000n + BigInt(i), 32),
);
const V6_PREFIXES: Cidr[] = Array.from({ length: 10000 }, (_, i) =>
  makeCidr(6, 0x20010db8020300000000000000000000n + BigInt(i), 128),
);

const SHARED: PathAttributes = {
  origin: Origin.incomplete,
  asPath: [{ type: 2, asns: [4200000001] }],
  localPref: 100,
  communities: [64512 * 0x10000 + 1, 0xffffff01],
};

/** Encodes each UPDATE, checks its size, decodes it back; returns what the UPDATEs carried. */
function roundTrip(updates: readonly UpdateMessage[], context: CodecContext) {
  const announced: Cidr[] = [];
  const withdrawn: Cidr[] = [];
  for (const update of updates) {
    const bytes = encodeMessage(update, context);
    expect(bytes.length).to.be.at.most(MAX_MESSAGE_LENGTH);
    const decoded = decodeMessage(bytes, context);
    if (!decoded.ok || decoded.message.type !== 'update') throw new Error('did not decode');
    expect(decoded.treatAsWithdraw).to.equal(undefined);
    const { message } = decoded;
    announced.push(...message.nlri, ...(message.attributes.mpReach?.nlri ?? []));
    withdrawn.push(...message.withdrawn, ...(message.attributes.mpUnreach?.withdrawn ?? []));
  }
  return { announced, withdrawn };
}

describe('bgp packing', () => {
  it('10,000 IPv4 /32s fit in 13 UPDATEs (v0.9: 10,000)', () => {
    for (const context of [AS4, AS2]) {
      const updates = packUpdates(
        { family: 4, attributes: SHARED, prefixes: V4_PREFIXES, nextHop: ip('198.51.100.1') },
        context,
      );
      expect(updates).to.have.length(13);
      const { announced } = roundTrip(updates, context);
      expect(announced).to.deep.equal(V4_PREFIXES);
      for (const u of updates)
        expect(u.attributes).to.deep.equal({ ...SHARED, nextHop: ip('198.51.100.1') });
    }
  });

  it('10,000 IPv6 /128s fit in 43 UPDATEs, one MP_REACH_NLRI each, no NEXT_HOP', () => {
    const updates = packUpdates(
      {
        family: 6,
        attributes: { ...SHARED, nextHop: ip('198.51.100.1') },
        prefixes: V6_PREFIXES,
        nextHop: ip('2001:db8:100::1'),
      },
      AS4,
    );
    expect(updates).to.have.length(43);
    const { announced } = roundTrip(updates, AS4);
    expect(announced).to.deep.equal(V6_PREFIXES);
    for (const u of updates) {
      expect(u.nlri).to.deep.equal([]);
      expect(u.attributes.nextHop).to.equal(undefined);
      expect(u.attributes.mpReach?.nextHops).to.deep.equal([ip('2001:db8:100::1')]);
      expect(u.attributes.origin).to.equal(Origin.incomplete);
    }
  });

  it('fills each UPDATE: no two neighbours could have been merged', () => {
    const updates = packUpdates(
      { family: 4, attributes: SHARED, prefixes: V4_PREFIXES, nextHop: ip('198.51.100.1') },
      AS4,
    );
    for (const u of updates.slice(0, -1)) {
      expect(encodeMessage(u, AS4).length + 5).to.be.greaterThan(MAX_MESSAGE_LENGTH);
    }
  });

  it('withdraws 10,000 IPv4 /32s in 13 UPDATEs and 10,000 IPv6 /128s in 42', () => {
    const v4 = packWithdrawals(4, V4_PREFIXES, AS4);
    expect(v4).to.have.length(13);
    expect(roundTrip(v4, AS4).withdrawn).to.deep.equal(V4_PREFIXES);
    const v6 = packWithdrawals(6, V6_PREFIXES, AS4);
    expect(v6).to.have.length(42);
    expect(roundTrip(v6, AS4).withdrawn).to.deep.equal(V6_PREFIXES);
  });

  it('mixed prefix lengths, and nothing for no prefixes', () => {
    const mixed = Array.from({ length: 3000 }, (_, i) => makeCidr(4, BigInt(i) << 8n, i % 33));
    const updates = packUpdates(
      { family: 4, attributes: SHARED, prefixes: mixed, nextHop: ip('198.51.100.1') },
      AS4,
    );
    expect(roundTrip(updates, AS4).announced).to.deep.equal(mixed);
    expect(
      packUpdates({ family: 6, attributes: SHARED, prefixes: [], nextHop: ip('::1') }, AS4),
    ).to.deep.equal([]);
    expect(packWithdrawals(4, [], AS4)).to.deep.equal([]);
  });

  it('refuses mismatched families and MP attributes', () => {
    const v4 = V4_PREFIXES.slice(0, 1);
    expect(() =>
      packUpdates({ family: 4, attributes: SHARED, prefixes: v4, nextHop: ip('::1') }, AS4),
    ).to.throw(RangeError);
    expect(() =>
      packUpdates({ family: 6, attributes: SHARED, prefixes: v4, nextHop: ip('::1') }, AS4),
    ).to.throw(RangeError);
    expect(() => packWithdrawals(6, v4, AS4)).to.throw(RangeError);
    const mpUnreach = { afi: 2, safi: 1, withdrawn: [] };
    expect(() =>
      packUpdates(
        {
          family: 4,
          attributes: { ...SHARED, mpUnreach },
          prefixes: v4,
          nextHop: ip('198.51.100.1'),
        },
        AS4,
      ),
    ).to.throw(RangeError);
  });
});

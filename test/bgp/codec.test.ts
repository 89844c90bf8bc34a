/**
 * Golden messages: each structure encodes to the bytes written by hand in fixtures.ts, and
 * those bytes decode back to the structure.
 */
import { expect } from 'chai';
import {
  AFI_IPV4,
  AFI_IPV6,
  AS_TRANS,
  Origin,
  SAFI_UNICAST,
  decodeMessage,
  encodeMessage,
  type CodecContext,
  type Message,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/bgp/index.js';
import {
  KEEPALIVE,
  NOTIFICATION_6_2,
  OPEN_4200000001,
  OPEN_64512,
  ROUTE_REFRESH_V6,
  UPDATE_AS_TRANS,
  UPDATE_EBGP_AS2,
  UPDATE_EBGP_AS4,
  UPDATE_IBGP_V4,
  UPDATE_V6,
  WITHDRAW_V4,
  WITHDRAW_V6,
} from './fixtures.js';
import { AS2, AS4, cidr, ip } from './helpers.js';

/** 64512:1 and 65535:65281 (NO_ADVERTISE) as RFC 1997 32-bit values. */
const COMMUNITIES = [64512 * 0x10000 + 1, 0xffffff01];

const IBGP_UPDATE: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: {
    origin: Origin.incomplete,
    asPath: [],
    nextHop: ip('198.51.100.1'),
    localPref: 100,
    communities: COMMUNITIES,
  },
  nlri: [cidr('203.0.113.10/32')],
};

function ebgpUpdate(asn: number): UpdateMessage {
  const attributes: PathAttributes = {
    origin: Origin.incomplete,
    asPath: [{ type: 2, asns: [asn] }],
    nextHop: ip('198.51.100.1'),
    communities: COMMUNITIES,
  };
  return { type: 'update', withdrawn: [], attributes, nlri: [cidr('203.0.113.10/32')] };
}

const CASES: readonly {
  readonly name: string;
  readonly message: Message;
  readonly bytes: Uint8Array;
  readonly contexts: readonly CodecContext[];
}[] = [
  { name: 'KEEPALIVE', message: { type: 'keepalive' }, bytes: KEEPALIVE, contexts: [AS4, AS2] },
  {
    name: 'OPEN AS 64512 with MP IPv4, MP IPv6 and 4-octet AS',
    message: {
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: 0xc6336401,
      capabilities: [
        { kind: 'multiprotocol', afi: AFI_IPV4, safi: SAFI_UNICAST },
        { kind: 'multiprotocol', afi: AFI_IPV6, safi: SAFI_UNICAST },
        { kind: 'fourOctetAs', asn: 64512 },
      ],
    },
    bytes: OPEN_64512,
    contexts: [AS4, AS2],
  },
  {
    name: 'OPEN AS 4200000001 (AS_TRANS in My Autonomous System)',
    message: {
      type: 'open',
      version: 4,
      myAs: AS_TRANS,
      holdTime: 90,
      bgpId: 0xc6336401,
      capabilities: [{ kind: 'fourOctetAs', asn: 4200000001 }],
    },
    bytes: OPEN_4200000001,
    contexts: [AS4, AS2],
  },
  { name: 'iBGP UPDATE', message: IBGP_UPDATE, bytes: UPDATE_IBGP_V4, contexts: [AS4, AS2] },
  {
    name: 'eBGP UPDATE, 4-octet AS_PATH',
    message: ebgpUpdate(64512),
    bytes: UPDATE_EBGP_AS4,
    contexts: [AS4],
  },
  {
    name: 'eBGP UPDATE, 2-octet AS_PATH',
    message: ebgpUpdate(64512),
    bytes: UPDATE_EBGP_AS2,
    contexts: [AS2],
  },
  {
    name: 'eBGP UPDATE from AS 4200000001 to a 2-octet speaker (AS_TRANS and AS4_PATH)',
    message: ebgpUpdate(4200000001),
    bytes: UPDATE_AS_TRANS,
    contexts: [AS2],
  },
  {
    name: 'IPv6 UPDATE in MP_REACH_NLRI',
    message: {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: Origin.incomplete,
        asPath: [],
        localPref: 100,
        mpReach: {
          afi: AFI_IPV6,
          safi: SAFI_UNICAST,
          nextHops: [ip('2001:db8:100::1')],
          nlri: [cidr('2001:db8:203::10/128')],
        },
      },
      nlri: [],
    },
    bytes: UPDATE_V6,
    contexts: [AS4, AS2],
  },
  {
    name: 'IPv4 withdrawal',
    message: { type: 'update', withdrawn: [cidr('203.0.113.10/32')], attributes: {}, nlri: [] },
    bytes: WITHDRAW_V4,
    contexts: [AS4, AS2],
  },
  {
    name: 'IPv6 withdrawal in MP_UNREACH_NLRI',
    message: {
      type: 'update',
      withdrawn: [],
      attributes: {
        mpUnreach: { afi: AFI_IPV6, safi: SAFI_UNICAST, withdrawn: [cidr('2001:db8:203::10/128')] },
      },
      nlri: [],
    },
    bytes: WITHDRAW_V6,
    contexts: [AS4, AS2],
  },
  {
    name: 'NOTIFICATION 6/2',
    message: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) },
    bytes: NOTIFICATION_6_2,
    contexts: [AS4, AS2],
  },
  {
    name: 'ROUTE-REFRESH IPv6 unicast',
    message: { type: 'routeRefresh', afi: AFI_IPV6, safi: SAFI_UNICAST },
    bytes: ROUTE_REFRESH_V6,
    contexts: [AS4, AS2],
  },
];

describe('bgp codec: golden messages', () => {
  for (const { name, message, bytes, contexts } of CASES) {
    for (const context of contexts) {
      const label = `${name} (fourOctetAs ${context.fourOctetAs})`;
      it(`encodes ${label}`, () => {
        expect(Buffer.from(encodeMessage(message, context)).toString('hex')).to.equal(
          Buffer.from(bytes).toString('hex'),
        );
      });
      it(`decodes ${label}`, () => {
        expect(decodeMessage(bytes, context)).to.deep.equal({ ok: true, message });
      });
    }
  }

  it('sorts communities ascending and removes duplicates when encoding', () => {
    const shuffled: UpdateMessage = {
      ...IBGP_UPDATE,
      attributes: {
        ...IBGP_UPDATE.attributes,
        communities: [0xffffff01, 64512 * 0x10000 + 1, 0xffffff01],
      },
    };
    expect(encodeMessage(shuffled, AS4)).to.deep.equal(UPDATE_IBGP_V4);
  });

  it('decodes a message that sits inside a larger buffer', () => {
    const big = new Uint8Array(UPDATE_V6.length + 10);
    big.set(UPDATE_V6, 5);
    const view = big.subarray(5, 5 + UPDATE_V6.length);
    const decoded = decodeMessage(view, AS4);
    expect(decoded.ok).to.equal(true);
    expect(decoded).to.deep.equal(decodeMessage(UPDATE_V6, AS4));
  });

  it('decoded values do not alias the input', () => {
    const bytes = Uint8Array.from([...NOTIFICATION_6_2, 0xaa]);
    bytes[17] = 22; // length 22: one byte of data
    const decoded = decodeMessage(bytes, AS4);
    if (!decoded.ok || decoded.message.type !== 'notification') throw new Error('not decoded');
    bytes[21] = 0xbb;
    expect([...decoded.message.data]).to.deep.equal([0xaa]);
  });
});

/**
 * UPDATE errors: RFC 4271 section 6.3 as revised by RFC 7606. Each case says which outcome
 * the RFC prescribes: session reset (a NOTIFICATION), treat-as-withdraw (decoded, with the
 * error beside it) or attribute discard (decoded, the attribute gone, no error).
 */
import { expect } from 'chai';
import { AS_TRANS, decodeMessage, encodeMessage, type UpdateMessage } from '../../src/bgp/index.js';
import {
  AS2,
  AS4,
  MANDATORY,
  NLRI,
  cidr,
  expectClean,
  expectError,
  expectWithdraw,
  ip,
  update,
} from './helpers.js';

function attributesOf(bytes: Uint8Array, fourOctetAs = true) {
  const result = decodeMessage(bytes, { fourOctetAs });
  if (!result.ok || result.message.type !== 'update') throw new Error('not an UPDATE');
  return result.message.attributes;
}

describe('bgp UPDATE: session reset (RFC 4271 section 6.3, RFC 7606 sections 3 to 5)', () => {
  it('Withdrawn Routes Length overrunning the message: 3/1', () => {
    // Says 6 bytes of withdrawn routes, 5 follow and no room for the attribute length.
    expectError(
      decodeMessage(
        update('', '', '').map((b, i) => (i === 20 ? 6 : b)),
        AS4,
      ),
      3,
      1,
    );
    const bytes = update('20 cb 00 71 0a', '');
    bytes[20] = 0x07; // Withdrawn Routes Length 7: 5 + 2 bytes are left
    expectError(decodeMessage(bytes, AS4), 3, 1);
  });

  it('Total Path Attribute Length overrunning the message: 3/1', () => {
    const bytes = update('', MANDATORY, NLRI);
    bytes[22] = 0x30; // 48 bytes claimed, 14 + 5 left
    expectError(decodeMessage(bytes, AS4), 3, 1);
  });

  it('a prefix longer than 32 or overrunning its field: 3/10 Invalid Network Field', () => {
    expectError(decodeMessage(update('', MANDATORY, '21 cb 00 71 0a 00'), AS4), 3, 10);
    expectError(decodeMessage(update('', MANDATORY, '20 cb 00 71'), AS4), 3, 10);
    expectError(decodeMessage(update('21 cb 00 71 0a 00', ''), AS4), 3, 10);
    expectError(decodeMessage(update('18 cb 00', ''), AS4), 3, 10);
  });

  it('an unrecognized well-known attribute: 3/2 with data = the attribute', () => {
    expectError(
      decodeMessage(update('', `${MANDATORY} 40 63 02 ab cd`, NLRI), AS4),
      3,
      2,
      '40 63 02 ab cd',
    );
  });

  it('a repeated MP_REACH_NLRI or MP_UNREACH_NLRI: 3/1', () => {
    const unreach = '80 0f 03 00 02 01';
    expectError(decodeMessage(update('', `${unreach} ${unreach}`), AS4), 3, 1);
    const reach = '80 0e 15 00 02 01 10 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 01 00';
    expectError(decodeMessage(update('', `40 01 01 00 40 02 00 ${reach} ${reach}`), AS4), 3, 1);
  });

  it('MP_REACH_NLRI or MP_UNREACH_NLRI that cannot be parsed: 3/9 with the attribute', () => {
    // Next hop length 5 for IPv6.
    const badHop = '80 0e 0a 00 02 01 05 20 01 0d b8 01 00';
    expectError(decodeMessage(update('', `40 01 01 00 40 02 00 ${badHop}`), AS4), 3, 9, badHop);
    // Next hop longer than the attribute.
    const overrun = '80 0e 05 00 02 01 10 20';
    expectError(decodeMessage(update('', overrun), AS4), 3, 9, overrun);
    // A /129 in MP_UNREACH_NLRI, and a truncated one.
    expectError(
      decodeMessage(update('', '80 0f 04 00 02 01 81'), AS4),
      3,
      9,
      '80 0f 04 00 02 01 81',
    );
    expectError(
      decodeMessage(update('', '80 0f 05 00 02 01 20 20'), AS4),
      3,
      9,
      '80 0f 05 00 02 01 20 20',
    );
    // Too short to hold AFI and SAFI.
    expectError(decodeMessage(update('', '80 0f 02 00 02'), AS4), 3, 9, '80 0f 02 00 02');
  });
});

describe('bgp UPDATE: treat-as-withdraw (RFC 7606)', () => {
  it('ORIGIN: wrong length 3/5, undefined value 3/6, wrong flags 3/4 (section 7.1)', () => {
    const rest = '40 02 00 40 03 04 c6 33 64 01';
    expectWithdraw(
      decodeMessage(update('', `40 01 02 00 00 ${rest}`, NLRI), AS4),
      5,
      '40 01 02 00 00',
    );
    expectWithdraw(decodeMessage(update('', `40 01 01 03 ${rest}`, NLRI), AS4), 6, '40 01 01 03');
    expectWithdraw(decodeMessage(update('', `c0 01 01 00 ${rest}`, NLRI), AS4), 4, 'c0 01 01 00');
    expectWithdraw(decodeMessage(update('', `00 01 01 00 ${rest}`, NLRI), AS4), 4, '00 01 01 00');
  });

  it('malformed AS_PATH: 3/11 (section 7.2)', () => {
    const around = (path: string) => `40 01 01 00 ${path} 40 03 04 c6 33 64 01`;
    expectWithdraw(decodeMessage(update('', around('40 02 04 05 01 fc 00'), NLRI), AS2), 11); // type 5
    expectWithdraw(decodeMessage(update('', around('40 02 02 02 00'), NLRI), AS2), 11); // length 0
    expectWithdraw(decodeMessage(update('', around('40 02 04 02 02 fc 00'), NLRI), AS2), 11); // overrun
    expectWithdraw(decodeMessage(update('', around('40 02 03 02 01 fc'), NLRI), AS2), 11); // half an AS
    // Two bytes per AS read with 4-octet AS numbers: the segment overruns.
    expectWithdraw(decodeMessage(update('', around('40 02 04 02 01 fc 00'), NLRI), AS4), 11);
  });

  it('NEXT_HOP: wrong length 3/5, not a unicast address 3/8 (section 7.3)', () => {
    const lead = '40 01 01 00 40 02 00';
    expectWithdraw(
      decodeMessage(update('', `${lead} 40 03 03 c6 33 64`, NLRI), AS4),
      5,
      '40 03 03 c6 33 64',
    );
    for (const bad of ['00 00 00 00', 'e0 00 00 01', 'ff ff ff ff']) {
      expectWithdraw(
        decodeMessage(update('', `${lead} 40 03 04 ${bad}`, NLRI), AS4),
        8,
        `40 03 04 ${bad}`,
      );
    }
  });

  it('LOCAL_PREF of the wrong length: 3/5 (section 7.5)', () => {
    expectWithdraw(
      decodeMessage(update('', `${MANDATORY} 40 05 03 00 00 64`, NLRI), AS4),
      5,
      '40 05 03 00 00 64',
    );
  });

  it('COMMUNITIES not a non-zero multiple of 4: 3/5 (section 7.8)', () => {
    expectWithdraw(
      decodeMessage(update('', `${MANDATORY} c0 08 06 fc 00 00 01 ff ff`, NLRI), AS4),
      5,
      'c0 08 06 fc 00 00 01 ff ff',
    );
    expectWithdraw(decodeMessage(update('', `${MANDATORY} c0 08 00`, NLRI), AS4), 5, 'c0 08 00');
  });

  it('ORIGINATOR_ID and CLUSTER_LIST of the wrong length (sections 7.9, 7.10)', () => {
    expectWithdraw(
      decodeMessage(update('', `${MANDATORY} 80 09 03 01 02 03`, NLRI), AS4),
      5,
      '80 09 03 01 02 03',
    );
    expectWithdraw(
      decodeMessage(update('', `${MANDATORY} 80 0a 05 01 02 03 04 05`, NLRI), AS4),
      5,
      '80 0a 05 01 02 03 04 05',
    );
  });

  it('a missing well-known mandatory attribute when there is NLRI: 3/3, data = its type', () => {
    expectWithdraw(decodeMessage(update('', '40 02 00 40 03 04 c6 33 64 01', NLRI), AS4), 3, '01');
    expectWithdraw(
      decodeMessage(update('', '40 01 01 00 40 03 04 c6 33 64 01', NLRI), AS4),
      3,
      '02',
    );
    expectWithdraw(decodeMessage(update('', '40 01 01 00 40 02 00', NLRI), AS4), 3, '03');
    expectWithdraw(decodeMessage(update('', '', NLRI), AS4), 3, '01');
    // MP_REACH_NLRI with routes needs ORIGIN and AS_PATH but not NEXT_HOP.
    const reach =
      '80 0e 26 00 02 01 10 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 01 00 80 20 01 0d b8 02 03 00 00 00 00 00 00 00 00 00 10';
    expectWithdraw(decodeMessage(update('', `40 02 00 ${reach}`), AS4), 3, '01');
    expectClean(decodeMessage(update('', `40 01 01 00 40 02 00 ${reach}`), AS4));
  });

  it('no NLRI: nothing is mandatory', () => {
    expectClean(decodeMessage(update('20 cb 00 71 0a', ''), AS4));
    expectClean(decodeMessage(update('', ''), AS4));
  });

  it('an attribute overrunning the Total Path Attribute Length: 3/1, the NLRI still read (section 4)', () => {
    // LOCAL_PREF claims 9 bytes, 4 are left in the attributes.
    const result = decodeMessage(update('', `${MANDATORY} 40 05 09 00 00 00 64`, NLRI), AS4);
    expectWithdraw(result, 1);
    expect(result.ok && result.message.type === 'update' && result.message.nlri).to.deep.equal([
      cidr('203.0.113.10/32'),
    ]);
    // Two bytes left: too few for an attribute header.
    expectWithdraw(decodeMessage(update('', `${MANDATORY} 40 05`, NLRI), AS4), 1);
    // Extended Length with only three bytes.
    expectWithdraw(decodeMessage(update('', `${MANDATORY} 50 05 00`, NLRI), AS4), 1);
  });

  it('wrong flags on MP_REACH_NLRI: the routes are still read, then withdrawn', () => {
    const reach =
      '40 0e 26 00 02 01 10 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 01 00 80 20 01 0d b8 02 03 00 00 00 00 00 00 00 00 00 10';
    const result = decodeMessage(update('', `40 01 01 00 40 02 00 ${reach}`), AS4);
    expectWithdraw(result, 4, reach);
    expect(
      result.ok && result.message.type === 'update' && result.message.attributes.mpReach?.nlri,
    ).to.deep.equal([cidr('2001:db8:203::10/128')]);
  });

  it('reports the first error and still finds a later one that resets the session', () => {
    const result = decodeMessage(
      update('', `40 01 01 07 40 02 00 40 03 04 c6 33 64 01 40 63 00`, NLRI),
      AS4,
    );
    expectError(result, 3, 2, '40 63 00');
  });
});

describe('bgp UPDATE: attribute discard and leniency (RFC 7606, RFC 4271)', () => {
  it('MULTI_EXIT_DISC of the wrong length or flags is dropped (section 7.4)', () => {
    expect(attributesOf(update('', `${MANDATORY} 80 04 03 00 00 05`, NLRI))).to.not.have.property(
      'multiExitDisc',
    );
    expect(
      attributesOf(update('', `${MANDATORY} 40 04 04 00 00 00 05`, NLRI)),
    ).to.not.have.property('multiExitDisc');
    expectClean(decodeMessage(update('', `${MANDATORY} 80 04 03 00 00 05`, NLRI), AS4));
    expect(
      attributesOf(update('', `${MANDATORY} 80 04 04 00 00 00 05`, NLRI)).multiExitDisc,
    ).to.equal(5);
  });

  it('ATOMIC_AGGREGATE and AGGREGATOR of the wrong length are dropped (sections 7.6, 7.7)', () => {
    expect(attributesOf(update('', `${MANDATORY} 40 06 01 00`, NLRI))).to.not.have.property(
      'other',
    );
    expect(attributesOf(update('', `${MANDATORY} 40 06 00`, NLRI)).other).to.deep.equal([
      { flags: 0x40, typeCode: 6, value: new Uint8Array(0) },
    ]);
    // AGGREGATOR: 8 bytes between 4-octet speakers, 6 otherwise.
    const agg6 = 'c0 07 06 fc 00 c6 33 64 01';
    const agg8 = 'c0 07 08 00 00 fc 00 c6 33 64 01';
    expect(attributesOf(update('', `${MANDATORY} ${agg6}`, NLRI), true)).to.not.have.property(
      'other',
    );
    expect(attributesOf(update('', `${MANDATORY} ${agg8}`, NLRI), true).other).to.have.length(1);
    expect(attributesOf(update('', `${MANDATORY} ${agg8}`, NLRI), false)).to.not.have.property(
      'other',
    );
    expect(attributesOf(update('', `${MANDATORY} ${agg6}`, NLRI), false).other).to.have.length(1);
    expectClean(decodeMessage(update('', `${MANDATORY} ${agg6}`, NLRI), AS4));
  });

  it('repeated attributes other than MP ones: the first is kept (section 3 g)', () => {
    const attributes = attributesOf(
      update('', `${MANDATORY} 40 05 04 00 00 00 64 40 05 04 00 00 00 c8`, NLRI),
    );
    expect(attributes.localPref).to.equal(100);
  });

  it('keeps unknown optional attributes as received, Partial and Extended Length included', () => {
    const attributes = attributesOf(update('', `${MANDATORY} e0 63 02 ab cd 90 64 00 01 ee`, NLRI));
    expect(attributes.other).to.deep.equal([
      { flags: 0xe0, typeCode: 99, value: Uint8Array.from([0xab, 0xcd]) },
      { flags: 0x90, typeCode: 100, value: Uint8Array.from([0xee]) },
    ]);
  });

  it('ignores the unused low four flag bits (RFC 4271 section 4.3)', () => {
    const attributes = attributesOf(update('', `4f 01 01 02 40 02 00 40 03 04 c6 33 64 01`, NLRI));
    expect(attributes.origin).to.equal(2);
  });

  it('reads Extended Length on a recognized attribute', () => {
    const attributes = attributesOf(
      update('', `50 01 00 01 02 40 02 00 40 03 04 c6 33 64 01`, NLRI),
    );
    expect(attributes.origin).to.equal(2);
  });

  it('clears trailing bits of a prefix (RFC 4271 section 4.3: they are irrelevant)', () => {
    const message = expectClean(
      decodeMessage(update('', MANDATORY, '18 cb 00 71'), AS4),
    ) as UpdateMessage;
    expect(message.nlri).to.deep.equal([cidr('203.0.113.0/24')]);
    const odd = expectClean(
      decodeMessage(update('', MANDATORY, '19 cb 00 71 ff'), AS4),
    ) as UpdateMessage;
    expect(odd.nlri).to.deep.equal([cidr('203.0.113.128/25')]);
  });

  it('keeps MP_REACH_NLRI of other families as a raw attribute', () => {
    // AFI 1 SAFI 128 (VPN): not ours to parse.
    const vpn = '80 0e 05 00 01 80 00 00';
    const attributes = attributesOf(update('', vpn));
    expect(attributes.mpReach).to.equal(undefined);
    expect(attributes.other).to.deep.equal([
      { flags: 0x80, typeCode: 14, value: Uint8Array.from([0, 1, 0x80, 0, 0]) },
    ]);
  });

  it('reads an IPv6 next hop pair and IPv4 NLRI with an IPv6 next hop (RFC 2545, RFC 8950)', () => {
    const pair =
      '80 0e 2e 00 02 01 20' + // length 4 + 32 + 1 + 9 = 46
      '20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 01' +
      'fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01' +
      '00 40 20 01 0d b8 02 03 00 00';
    const attributes = attributesOf(update('', `40 01 01 00 40 02 00 ${pair}`));
    expect(attributes.mpReach).to.deep.equal({
      afi: 2,
      safi: 1,
      nextHops: [ip('2001:db8:100::1'), ip('fe80::1')],
      nlri: [cidr('2001:db8:203::/64')],
    });
    const v4over6 =
      '80 0e 1a 00 01 01 10 20 01 0d b8 01 00 00 00 00 00 00 00 00 00 00 01 00 20 cb 00 71 0a';
    expect(attributesOf(update('', `40 01 01 00 40 02 00 ${v4over6}`)).mpReach).to.deep.equal({
      afi: 1,
      safi: 1,
      nextHops: [ip('2001:db8:100::1')],
      nlri: [cidr('203.0.113.10/32')],
    });
  });
});

describe('bgp UPDATE: AS4_PATH (RFC 6793)', () => {
  const path = (asns: string, as4: string) =>
    update('', `40 01 01 00 40 02 ${asns} 40 03 04 c6 33 64 01 ${as4}`, NLRI);

  it('merges AS4_PATH into a 2-octet AS_PATH (section 4.2.3)', () => {
    // AS_PATH [64513, AS_TRANS, 64514], AS4_PATH [4200000001, 64514]: the first AS is kept.
    const bytes = path('08 02 03 fc 01 5b a0 fc 02', 'c0 11 0a 02 02 fa 56 ea 01 00 00 fc 02');
    expect(attributesOf(bytes, false).asPath).to.deep.equal([
      { type: 2, asns: [64513] },
      { type: 2, asns: [4200000001, 64514] },
    ]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const bytes = path('04 02 01 5b a0', 'c0 11 0a 02 02 fa 56 ea 01 00 00 fc 02');
    expect(attributesOf(bytes, false).asPath).to.deep.equal([{ type: 2, asns: [AS_TRANS] }]);
  });

  it('discards a malformed AS4_PATH without an error (section 6)', () => {
    const bytes = path('04 02 01 5b a0', 'c0 11 03 02 01 fa');
    expectClean(decodeMessage(bytes, AS2));
    expect(attributesOf(bytes, false).asPath).to.deep.equal([{ type: 2, asns: [AS_TRANS] }]);
  });

  it('discards AS4_PATH between 4-octet speakers (section 3)', () => {
    const bytes = path('06 02 01 00 00 5b a0', 'c0 11 06 02 01 fa 56 ea 01');
    const attributes = attributesOf(bytes, true);
    expect(attributes.asPath).to.deep.equal([{ type: 2, asns: [AS_TRANS] }]);
    expect(attributes).to.not.have.property('other');
  });
});

describe('bgp UPDATE: encoder range checks', () => {
  const base: UpdateMessage = {
    type: 'update',
    withdrawn: [],
    attributes: { origin: 0, asPath: [], nextHop: ip('198.51.100.1') },
    nlri: [cidr('203.0.113.10/32')],
  };
  const throws = (message: UpdateMessage) =>
    expect(() => encodeMessage(message, AS4)).to.throw(RangeError);

  it('refuses messages over 4096 bytes', () => {
    const nlri = Array.from({ length: 815 }, (_, i) => cidr(`10.${i >> 8}.${i & 0xff}.1/32`));
    throws({ ...base, nlri });
    // 814 /32s: 19 + 4 + 14 + 814 * 5 = 4107, still too many; 811 fit (4092 bytes).
    expect(encodeMessage({ ...base, nlri: nlri.slice(0, 811) }, AS4)).to.have.length(4092);
  });

  it('refuses out-of-range fields', () => {
    throws({ ...base, attributes: { ...base.attributes, origin: 3 as 0 } });
    throws({ ...base, attributes: { ...base.attributes, asPath: [{ type: 2, asns: [2 ** 32] }] } });
    throws({ ...base, attributes: { ...base.attributes, asPath: [{ type: 2, asns: [] }] } });
    throws({ ...base, attributes: { ...base.attributes, asPath: [{ type: 5 as 1, asns: [1] }] } });
    throws({
      ...base,
      attributes: {
        ...base.attributes,
        asPath: [{ type: 2, asns: new Array<number>(256).fill(1) }],
      },
    });
    throws({ ...base, attributes: { ...base.attributes, communities: [-1] } });
    throws({ ...base, attributes: { ...base.attributes, localPref: 2 ** 32 } });
    throws({ ...base, attributes: { ...base.attributes, nextHop: ip('2001:db8::1') } });
    throws({ ...base, nlri: [cidr('2001:db8::/32')] });
    throws({
      ...base,
      attributes: {
        ...base.attributes,
        other: [{ flags: 0x40, typeCode: 1, value: new Uint8Array(1) }],
      },
    });
    throws({
      ...base,
      attributes: {
        ...base.attributes,
        mpReach: { afi: 2, safi: 1, nextHops: [ip('198.51.100.1')], nlri: [] },
      },
    });
  });

  it('uses Extended Length for values over 255 bytes', () => {
    const value = new Uint8Array(300).fill(7);
    const bytes = encodeMessage(
      {
        ...base,
        attributes: { ...base.attributes, other: [{ flags: 0xc0, typeCode: 99, value }] },
      },
      AS4,
    );
    // ORIGIN 4 + AS_PATH 3 + NEXT_HOP 7 bytes, then the raw attribute's header at 23 + 14.
    expect([...bytes.subarray(37, 41)]).to.deep.equal([0xd0, 99, 0x01, 0x2c]);
  });
});

/**
 * OPEN errors (RFC 4271 section 6.2) with their data, RFC 5492 capabilities (unknown ones
 * kept), and the negotiation of two OPENs.
 */
import { expect } from 'chai';
import {
  AFI_IPV4,
  AFI_IPV6,
  SAFI_UNICAST,
  decodeMessage,
  encodeMessage,
  negotiate,
  type Capability,
  type OpenMessage,
} from '../../src/bgp/index.js';
import { AS4, expectClean, expectError, message } from './helpers.js';

/** An OPEN body: version, AS 64512, hold time, BGP Identifier 198.51.100.1, then parameters. */
function open(version: string, hold: string, id: string, parameters: string): Uint8Array {
  const p = Buffer.from(parameters.replace(/\s+/g, ''), 'hex');
  return message(1, version, 'fc 00', hold, id, p.length.toString(16).padStart(2, '0'), parameters);
}

const ID = 'c6 33 64 01';

describe('bgp OPEN (RFC 4271 section 6.2, RFC 5492)', () => {
  it('version other than 4: 2/1 with data = 2-byte version 4', () => {
    expectError(decodeMessage(open('03', '00 5a', ID, ''), AS4), 2, 1, '00 04');
    expectError(decodeMessage(open('05', '00 5a', ID, ''), AS4), 2, 1, '00 04');
  });

  it('hold time 1 or 2: 2/6 Unacceptable Hold Time; 0 and 3 are fine', () => {
    expectError(decodeMessage(open('04', '00 01', ID, ''), AS4), 2, 6);
    expectError(decodeMessage(open('04', '00 02', ID, ''), AS4), 2, 6);
    expectClean(decodeMessage(open('04', '00 00', ID, ''), AS4));
    expectClean(decodeMessage(open('04', '00 03', ID, ''), AS4));
  });

  it('BGP Identifier 0: 2/3 Bad BGP Identifier', () => {
    expectError(decodeMessage(open('04', '00 5a', '00 00 00 00', ''), AS4), 2, 3);
  });

  it('an optional parameter other than Capabilities: 2/4', () => {
    // Parameter type 1 (the old Authentication Information), length 1.
    expectError(decodeMessage(open('04', '00 5a', ID, '01 01 00'), AS4), 2, 4);
  });

  it('malformed parameters or capabilities: 2/0', () => {
    // Opt Parm Len says 3, 4 bytes follow.
    expectError(decodeMessage(message(1, '04 fc 00 00 5a', ID, '03', '02 02 02 00'), AS4), 2, 0);
    // A parameter longer than the parameters.
    expectError(decodeMessage(open('04', '00 5a', ID, '02 05 02 00'), AS4), 2, 0);
    // A lone parameter type byte.
    expectError(decodeMessage(open('04', '00 5a', ID, '02'), AS4), 2, 0);
    // A capability longer than its parameter.
    expectError(decodeMessage(open('04', '00 5a', ID, '02 02 41 04'), AS4), 2, 0);
    // Multiprotocol of length 3, 4-octet AS of length 2, route refresh of length 1.
    expectError(decodeMessage(open('04', '00 5a', ID, '02 05 01 03 00 01 01'), AS4), 2, 0);
    expectError(decodeMessage(open('04', '00 5a', ID, '02 04 41 02 fc 00'), AS4), 2, 0);
    expectError(decodeMessage(open('04', '00 5a', ID, '02 03 02 01 00'), AS4), 2, 0);
  });

  it('keeps unknown capabilities and reads several Capabilities parameters', () => {
    const decoded = expectClean(
      decodeMessage(
        open(
          '04',
          '00 5a',
          ID,
          '02 06 01 04 00 02 00 01' + // MP IPv6 unicast
            '02 06 40 02 80 78 02 00' + // capability 64 (graceful restart), then route refresh
            '02 00', //                    an empty Capabilities parameter
        ),
        AS4,
      ),
    );
    expect(decoded).to.deep.equal({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: 0xc6336401,
      capabilities: [
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'unknown', code: 64, value: Uint8Array.from([0x80, 0x78]) },
        { kind: 'routeRefresh' },
      ],
    });
  });

  it('ignores the multiprotocol Reserved byte', () => {
    const decoded = expectClean(
      decodeMessage(open('04', '00 5a', ID, '02 06 01 04 00 01 ff 01'), AS4),
    );
    expect(decoded).to.have.deep.property('capabilities', [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
    ]);
  });

  it('refuses to encode what a peer would reject', () => {
    const base: OpenMessage = {
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: 1,
      capabilities: [],
    };
    expect(() => encodeMessage({ ...base, holdTime: 2 }, AS4)).to.throw(RangeError);
    expect(() => encodeMessage({ ...base, bgpId: 0 }, AS4)).to.throw(RangeError);
    expect(() => encodeMessage({ ...base, myAs: 65536 }, AS4)).to.throw(RangeError);
    expect(() => encodeMessage({ ...base, bgpId: 2 ** 32 }, AS4)).to.throw(RangeError);
    const many: Capability[] = Array.from({ length: 60 }, () => ({ kind: 'fourOctetAs', asn: 1 }));
    expect(() => encodeMessage({ ...base, capabilities: many }, AS4)).to.throw(RangeError);
    // No capabilities: Opt Parm Len 0, 29 bytes.
    expect(encodeMessage(base, AS4)).to.have.length(29);
  });
});

describe('bgp negotiate', () => {
  const mp = (afi: number): Capability => ({ kind: 'multiprotocol', afi, safi: SAFI_UNICAST });
  const openWith = (holdTime: number, myAs: number, capabilities: Capability[]): OpenMessage => ({
    type: 'open',
    version: 4,
    myAs,
    holdTime,
    bgpId: 1,
    capabilities,
  });

  it('takes the smaller hold time, 0 if either side sent 0', () => {
    expect(negotiate(openWith(90, 1, []), openWith(30, 2, [])).holdTime).to.equal(30);
    expect(negotiate(openWith(90, 1, []), openWith(0, 2, [])).holdTime).to.equal(0);
    expect(negotiate(openWith(0, 1, []), openWith(180, 2, [])).holdTime).to.equal(0);
  });

  it('4-octet AS only when both sent it; the remote AS from its capability', () => {
    const as4 = (asn: number): Capability => ({ kind: 'fourOctetAs', asn });
    const both = negotiate(
      openWith(90, 64512, [as4(64512)]),
      openWith(90, 23456, [as4(4200000001)]),
    );
    expect(both).to.include({ fourOctetAs: true, remoteAsn: 4200000001 });
    const localOnly = negotiate(openWith(90, 64512, [as4(64512)]), openWith(90, 64513, []));
    expect(localOnly).to.include({ fourOctetAs: false, remoteAsn: 64513 });
    const remoteOnly = negotiate(openWith(90, 64512, []), openWith(90, 23456, [as4(4200000001)]));
    expect(remoteOnly).to.include({ fourOctetAs: false, remoteAsn: 4200000001 });
  });

  it('families both sent; no multiprotocol capability means IPv4 unicast (RFC 4760)', () => {
    const v4v6 = [mp(AFI_IPV4), mp(AFI_IPV6)];
    expect(negotiate(openWith(90, 1, v4v6), openWith(90, 2, v4v6)).families).to.deep.equal([
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ]);
    expect(
      negotiate(openWith(90, 1, v4v6), openWith(90, 2, [mp(AFI_IPV6)])).families,
    ).to.deep.equal([{ afi: 2, safi: 1 }]);
    expect(negotiate(openWith(90, 1, v4v6), openWith(90, 2, [])).families).to.deep.equal([
      { afi: 1, safi: 1 },
    ]);
    expect(negotiate(openWith(90, 1, [mp(AFI_IPV6)]), openWith(90, 2, [])).families).to.deep.equal(
      [],
    );
  });

  it('route refresh when both sent it', () => {
    const rr: Capability = { kind: 'routeRefresh' };
    expect(negotiate(openWith(90, 1, [rr]), openWith(90, 2, [rr])).routeRefresh).to.equal(true);
    expect(negotiate(openWith(90, 1, [rr]), openWith(90, 2, [])).routeRefresh).to.equal(false);
  });
});

import { expect } from 'chai';
import { formatCommunity, parseCommunity } from '../../src/config/index.js';

describe('config/community: A:B communities (RFC 1997)', () => {
  it('computes A<<16 | B', () => {
    expect(parseCommunity('65535:65281')).to.deep.equal({ ok: true, value: 0xffffff01 });
    expect(parseCommunity('64512:1')).to.deep.equal({ ok: true, value: 64512 * 65536 + 1 });
    expect(parseCommunity('0:0')).to.deep.equal({ ok: true, value: 0 });
    // strconv.ParseUint accepts leading zeros: so does v0.9.
    expect(parseCommunity('7003:007')).to.deep.equal({ ok: true, value: 7003 * 65536 + 7 });
  });

  for (const bad of [
    '65536:1',
    '1:65536',
    '1',
    '1:2:3',
    '-1:2',
    '+1:2',
    ' 1:2',
    '1:',
    ':1',
    'a:b',
    '1.0:2',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(parseCommunity(bad).ok).to.equal(false);
    });
  }

  it('formats back without leading zeros', () => {
    expect(formatCommunity(0xffffff01)).to.equal('65535:65281');
    expect(formatCommunity(7003 * 65536 + 7)).to.equal('7003:7');
  });
});

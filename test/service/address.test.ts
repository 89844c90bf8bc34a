/**
 * readServiceAddress against Go 1.13's net.ParseIP, To4() and String() as
 * worked out in go-readings.ts from Go's code.
 */
import { expect } from 'chai';
import { formatIP } from '../../src/ip/index.js';
import { readServiceAddress } from '../../src/service/index.js';
import { GO_READINGS } from './go-readings.js';

describe('service: an address as v0.9 read it (Go 1.13 net.ParseIP)', () => {
  for (const [text, reading] of GO_READINGS) {
    const what = reading === null ? 'no address' : `${reading.text} (IPv${reading.ipv6 ? 6 : 4})`;
    it(`reads ${JSON.stringify(text)} as ${what}`, () => {
      const read = readServiceAddress(text);
      if (reading === null) {
        expect(read.ok).to.equal(false);
        return;
      }
      if (!read.ok) throw new Error(read.error);
      expect({ ipv6: read.value.family === 6, text: formatIP(read.value) }).to.deep.equal(reading);
    });
  }

  it('says why a text is no address, quoting it as written', () => {
    const read = readServiceAddress('192.0.2.256');
    expect(read.ok).to.equal(false);
    expect(!read.ok && read.error).to.include('"192.0.2.256"');
  });
});

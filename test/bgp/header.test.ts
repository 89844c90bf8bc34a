/** RFC 4271 section 6.1: message header errors, with the Data each one carries. */
import { expect } from 'chai';
import { decodeMessage } from '../../src/bgp/index.js';
import { KEEPALIVE, MARKER, hexBytes } from './fixtures.js';
import { AS4, expectError, message } from './helpers.js';

describe('bgp header errors (RFC 4271 section 6.1)', () => {
  it('a marker that is not all ones: 1/1 Connection Not Synchronized, no data', () => {
    for (const at of [0, 7, 15]) {
      const bytes = Uint8Array.from(KEEPALIVE);
      bytes[at] = 0xfe;
      expectError(decodeMessage(bytes, AS4), 1, 1);
    }
  });

  it('a length below 19 or above 4096: 1/2 Bad Message Length, data = the length field', () => {
    expectError(decodeMessage(hexBytes(MARKER, '00 12', '04'), AS4), 1, 2, '00 12');
    expectError(decodeMessage(hexBytes(MARKER, '00 00', '04'), AS4), 1, 2, '00 00');
    const big = new Uint8Array(4097).fill(0);
    big.set(hexBytes(MARKER, '10 01', '02'));
    expectError(decodeMessage(big, AS4), 1, 2, '10 01');
  });

  it('a length wrong for the type: 1/2 with the length field', () => {
    expectError(decodeMessage(message(4, '00'), AS4), 1, 2, '00 14'); // KEEPALIVE of 20
    expectError(decodeMessage(message(1, '04 fc 00 00 5a c6 33 64 01'), AS4), 1, 2, '00 1c'); // OPEN of 28
    expectError(decodeMessage(message(2, '00 00 00'), AS4), 1, 2, '00 16'); // UPDATE of 22
    expectError(decodeMessage(message(3, '06'), AS4), 1, 2, '00 14'); // NOTIFICATION of 20
    expectError(decodeMessage(message(5, '00 01 00'), AS4), 1, 2, '00 16'); // ROUTE-REFRESH of 22
    expectError(decodeMessage(message(5, '00 01 00 01 00'), AS4), 1, 2, '00 18'); // of 24
  });

  it('a length field that disagrees with the bytes given: 1/2', () => {
    expectError(decodeMessage(hexBytes(MARKER, '00 14', '04'), AS4), 1, 2, '00 14');
    expectError(decodeMessage(hexBytes(MARKER, '00 13'), AS4), 1, 2, '00 13');
    expectError(decodeMessage(hexBytes(MARKER), AS4), 1, 2);
  });

  it('an unknown type: 1/3 Bad Message Type, data = the type', () => {
    expectError(decodeMessage(message(6), AS4), 1, 3, '06');
    expectError(decodeMessage(message(0), AS4), 1, 3, '00');
    expectError(decodeMessage(message(0xff, '00 00'), AS4), 1, 3, 'ff');
  });

  it('the empty input is an error, not an exception', () => {
    expect(decodeMessage(new Uint8Array(0), AS4).ok).to.equal(false);
  });
});

/** Building test messages from hand-written hex fields; the helpers only add up the lengths. */
import { expect } from 'chai';
import type { BgpError, CodecContext, DecodeResult } from '../../src/bgp/index.js';
import { parseCidr, parseIP, type Cidr, type IPAddress } from '../../src/ip/index.js';
import { MARKER, hexBytes } from './fixtures.js';

/** A whole message: marker, the length of header and body, the type, the body fields. */
export function message(type: number, ...body: string[]): Uint8Array {
  const bytes = hexBytes(...body);
  const length = 19 + bytes.length;
  return hexBytes(
    MARKER,
    length.toString(16).padStart(4, '0'),
    type.toString(16).padStart(2, '0'),
    Buffer.from(bytes).toString('hex'),
  );
}

function u16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** An UPDATE from its three variable fields (hex), with both length fields filled in. */
export function update(withdrawn: string, attributes: string, nlri = ''): Uint8Array {
  const w = hexBytes(withdrawn);
  const a = hexBytes(attributes);
  return message(2, u16(w.length), withdrawn, u16(a.length), attributes, nlri);
}

/** The attributes every route needs: ORIGIN IGP, empty AS_PATH, NEXT_HOP 198.51.100.1. */
export const MANDATORY = '40 01 01 00  40 02 00  40 03 04 c6 33 64 01';

/** 203.0.113.10/32 as NLRI. */
export const NLRI = '20 cb 00 71 0a';

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Asserts a session-closing error with this code, subcode and data (hex). */
export function expectError(
  result: DecodeResult,
  code: number,
  subcode: number,
  data = '',
): BgpError {
  if (result.ok)
    throw new Error(
      `expected error ${code}/${subcode}, decoded ${JSON.stringify(result.message.type)}`,
    );
  expect(
    [result.error.code, result.error.subcode, hex(result.error.data)],
    result.error.reason,
  ).to.deep.equal([code, subcode, hexBytes(data).length === 0 ? '' : hex(hexBytes(data))]);
  return result.error;
}

/** Asserts an UPDATE decoded with treat-as-withdraw for this subcode and data (hex). */
export function expectWithdraw(result: DecodeResult, subcode: number, data = ''): void {
  if (!result.ok)
    throw new Error(
      `expected treat-as-withdraw, got ${result.error.code}/${result.error.subcode}: ${result.error.reason}`,
    );
  const error = result.treatAsWithdraw;
  if (error === undefined) throw new Error('expected treat-as-withdraw, got a clean decode');
  expect([error.code, error.subcode, hex(error.data)], error.reason).to.deep.equal([
    3,
    subcode,
    hex(hexBytes(data)),
  ]);
}

/** Asserts a clean decode (no error, no treat-as-withdraw) and returns the message. */
export function expectClean(result: DecodeResult) {
  if (!result.ok)
    throw new Error(
      `expected a clean decode, got ${result.error.code}/${result.error.subcode}: ${result.error.reason}`,
    );
  expect(result.treatAsWithdraw, result.treatAsWithdraw?.reason).to.equal(undefined);
  return result.message;
}

export const AS4: CodecContext = { fourOctetAs: true };
export const AS2: CodecContext = { fourOctetAs: false };

export function ip(text: string): IPAddress {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value.cidr;
}

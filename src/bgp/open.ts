/**
 * The OPEN message body, RFC 4271 section 4.2:
 *
 *   0  Version                  1 byte   4
 *   1  My Autonomous System     2 bytes  AS_TRANS when the real AS is above 65535 (RFC 6793)
 *   3  Hold Time                2 bytes  seconds, 0 or at least 3
 *   5  BGP Identifier           4 bytes  non-zero (RFC 6286 section 2.2)
 *   9  Opt Parm Len             1 byte
 *  10  Optional Parameters      each: Parm. Type 1 byte, Parm. Length 1 byte, value
 *
 * We send all capabilities in one Capabilities parameter (type 2, RFC 5492 section 4) and
 * accept them spread over several.
 */
import { ByteWriter, readUint16, readUint32, requireUint } from '../bytes/index.js';
import { decodeCapabilities, encodeCapabilities } from './capabilities.js';
import { failed, okValue, openError, type BodyResult } from './errors.js';
import { OpenSubcode, type Capability, type OpenMessage } from './types.js';

/** The version we speak; RFC 4271 section 6.2 puts it in the Unsupported Version data. */
export const BGP_VERSION = 4;

/** Parameter type of Capabilities (RFC 5492 section 4). */
export const PARAMETER_CAPABILITIES = 2;

const FIXED_LENGTH = 10;

export function encodeOpenBody(open: OpenMessage): Uint8Array {
  requireUint('version', open.version, 0xff);
  requireUint('My Autonomous System', open.myAs, 0xffff);
  requireUint('hold time', open.holdTime, 0xffff);
  if (open.holdTime === 1 || open.holdTime === 2) {
    throw new RangeError(`hold time must be 0 or at least 3, got ${open.holdTime}`);
  }
  requireUint('BGP Identifier', open.bgpId, 0xffffffff);
  if (open.bgpId === 0) throw new RangeError('BGP Identifier must not be 0');
  const capabilities = encodeCapabilities(open.capabilities);
  if (capabilities.length > 0xff) {
    throw new RangeError(
      `capabilities take ${capabilities.length} bytes, more than one parameter holds`,
    );
  }
  const writer = new ByteWriter()
    .u8(open.version)
    .u16(open.myAs)
    .u16(open.holdTime)
    .u32(open.bgpId);
  if (capabilities.length === 0) return writer.u8(0).finish();
  return writer
    .u8(capabilities.length + 2)
    .u8(PARAMETER_CAPABILITIES)
    .u8(capabilities.length)
    .bytes(capabilities)
    .finish();
}

/** Decodes an OPEN body with the checks of RFC 4271 section 6.2 (the peer AS is the session's). */
export function decodeOpenBody(body: Uint8Array): BodyResult<OpenMessage> {
  if (body.length < FIXED_LENGTH) return failed(openError(0, 'OPEN body is too short'));
  const version = body[0] ?? 0;
  if (version !== BGP_VERSION) {
    // Data: the largest locally supported version, 2 bytes.
    return failed(
      openError(
        OpenSubcode.unsupportedVersion,
        `version ${version}`,
        new Uint8Array([0, BGP_VERSION]),
      ),
    );
  }
  const myAs = readUint16(body, 1);
  const holdTime = readUint16(body, 3);
  if (holdTime === 1 || holdTime === 2) {
    return failed(openError(OpenSubcode.unacceptableHoldTime, `hold time ${holdTime}`));
  }
  const bgpId = readUint32(body, 5);
  if (bgpId === 0) return failed(openError(OpenSubcode.badBgpId, 'BGP Identifier is 0'));
  const parametersLength = body[9] ?? 0;
  if (FIXED_LENGTH + parametersLength !== body.length) {
    return failed(
      openError(
        0,
        `Opt Parm Len ${parametersLength} does not match the ${body.length - FIXED_LENGTH} bytes left`,
      ),
    );
  }
  const capabilities: Capability[] = [];
  let offset = FIXED_LENGTH;
  while (offset < body.length) {
    if (offset + 2 > body.length) return failed(openError(0, 'an optional parameter is cut short'));
    const type = body[offset] ?? 0;
    const length = body[offset + 1] ?? 0;
    const end = offset + 2 + length;
    if (end > body.length) return failed(openError(0, `optional parameter ${type} overruns`));
    if (type !== PARAMETER_CAPABILITIES) {
      return failed(
        openError(OpenSubcode.unsupportedOptionalParameter, `optional parameter ${type}`),
      );
    }
    const decoded = decodeCapabilities(body.subarray(offset + 2, end));
    if (!decoded.ok) return decoded;
    capabilities.push(...decoded.value);
    offset = end;
  }
  return okValue({ type: 'open', version, myAs, holdTime, bgpId, capabilities });
}

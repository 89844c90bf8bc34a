/**
 * Capabilities, carried in the Capabilities optional parameter of an OPEN (RFC 5492
 * section 4), each as:
 *
 *   Code     1 byte
 *   Length   1 byte
 *   Value    Length bytes
 *
 * The values we understand:
 *   1  Multiprotocol (RFC 4760 section 8): AFI 2 bytes, Reserved 1 byte, SAFI 1 byte
 *   2  Route Refresh (RFC 2918 section 2): empty
 *  65  4-octet AS number (RFC 6793 section 3): the AS number, 4 bytes
 * Everything else is kept as 'unknown': RFC 5492 section 3 says a speaker that does not
 * support a capability ignores it rather than refusing the session.
 */
import { ByteWriter, copyRange, readUint16, readUint32, requireUint } from '../bytes/index.js';
import { failed, okValue, openError, type BodyResult } from './errors.js';
import type { Capability } from './types.js';

export const CapabilityCode = { multiprotocol: 1, routeRefresh: 2, fourOctetAs: 65 } as const;

/** Writes the capabilities one after another. Throws a RangeError for out-of-range fields. */
export function encodeCapabilities(capabilities: readonly Capability[]): Uint8Array {
  const writer = new ByteWriter();
  for (const capability of capabilities) {
    switch (capability.kind) {
      case 'multiprotocol':
        requireUint('multiprotocol AFI', capability.afi, 0xffff);
        requireUint('multiprotocol SAFI', capability.safi, 0xff);
        writer.u8(CapabilityCode.multiprotocol).u8(4).u16(capability.afi).u8(0).u8(capability.safi);
        break;
      case 'routeRefresh':
        writer.u8(CapabilityCode.routeRefresh).u8(0);
        break;
      case 'fourOctetAs':
        requireUint('4-octet AS number', capability.asn, 0xffffffff);
        writer.u8(CapabilityCode.fourOctetAs).u8(4).u32(capability.asn);
        break;
      case 'unknown':
        requireUint('capability code', capability.code, 0xff);
        requireUint('capability length', capability.value.length, 0xff);
        writer.u8(capability.code).u8(capability.value.length).bytes(capability.value);
        break;
    }
  }
  return writer.finish();
}

/** Reads the capabilities of one Capabilities parameter; a malformed one is an OPEN error. */
export function decodeCapabilities(bytes: Uint8Array): BodyResult<Capability[]> {
  const capabilities: Capability[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 2 > bytes.length) return failed(malformed('a capability header is cut short'));
    const code = bytes[offset] ?? 0;
    const length = bytes[offset + 1] ?? 0;
    const start = offset + 2;
    const end = start + length;
    if (end > bytes.length) return failed(malformed(`capability ${code} overruns its parameter`));
    switch (code) {
      case CapabilityCode.multiprotocol:
        if (length !== 4) return failed(malformed(`multiprotocol capability of length ${length}`));
        // The Reserved byte is ignored on receipt (RFC 4760 section 8).
        capabilities.push({
          kind: 'multiprotocol',
          afi: readUint16(bytes, start),
          safi: bytes[start + 3] ?? 0,
        });
        break;
      case CapabilityCode.routeRefresh:
        if (length !== 0) return failed(malformed(`route refresh capability of length ${length}`));
        capabilities.push({ kind: 'routeRefresh' });
        break;
      case CapabilityCode.fourOctetAs:
        if (length !== 4) return failed(malformed(`4-octet AS capability of length ${length}`));
        capabilities.push({ kind: 'fourOctetAs', asn: readUint32(bytes, start) });
        break;
      default:
        capabilities.push({ kind: 'unknown', code, value: copyRange(bytes, start, end) });
    }
    offset = end;
  }
  return okValue(capabilities);
}

/** RFC 4271 section 6.2 has no subcode for a malformed parameter: Unspecific (0). */
function malformed(reason: string) {
  return openError(0, reason);
}

/**
 * AS_PATH (type 2, RFC 4271 section 4.3) and AS4_PATH (type 17, RFC 6793 section 3).
 * The value is a list of segments:
 *
 *   Segment type     1 byte   1 AS_SET, 2 AS_SEQUENCE (RFC 4271), 3 AS_CONFED_SEQUENCE,
 *                             4 AS_CONFED_SET (RFC 5065)
 *   Segment length   1 byte   the number of AS numbers, 1..255
 *   AS numbers       2 bytes each, or 4 when both speakers sent the 4-octet AS capability
 *                    (RFC 6793 section 4.1); AS4_PATH always uses 4
 *
 * Towards a speaker without 4-octet AS support, an AS number above 65535 is written as
 * AS_TRANS and the true path goes in AS4_PATH (RFC 6793 section 4.2.2), which never carries
 * confederation segments.
 */
import { ByteWriter, readUint16, readUint32, requireUint } from '../bytes/index.js';
import { AS_TRANS, type AsPathSegment } from './types.js';

const MAX_TWO_OCTET = 0xffff;

function isConfederation(segment: AsPathSegment): boolean {
  return segment.type === 3 || segment.type === 4;
}

function writeSegments(segments: readonly AsPathSegment[], asnSize: 2 | 4): Uint8Array {
  const writer = new ByteWriter();
  for (const segment of segments) {
    if (![1, 2, 3, 4].includes(segment.type)) {
      throw new RangeError(`AS_PATH segment type must be 1..4, got ${String(segment.type)}`);
    }
    if (segment.asns.length < 1 || segment.asns.length > 255) {
      throw new RangeError(
        `an AS_PATH segment holds 1..255 AS numbers, got ${segment.asns.length}`,
      );
    }
    writer.u8(segment.type).u8(segment.asns.length);
    for (const asn of segment.asns) {
      requireUint('AS number', asn, 0xffffffff);
      if (asnSize === 4) writer.u32(asn);
      else writer.u16(asn > MAX_TWO_OCTET ? AS_TRANS : asn);
    }
  }
  return writer.finish();
}

/** The AS_PATH value for a session with or without 4-octet AS numbers. */
export function encodeAsPath(segments: readonly AsPathSegment[], fourOctetAs: boolean): Uint8Array {
  return writeSegments(segments, fourOctetAs ? 4 : 2);
}

/** The AS4_PATH value to send with a 2-octet AS_PATH, or null when AS_PATH says it all. */
export function encodeAs4Path(
  segments: readonly AsPathSegment[],
  fourOctetAs: boolean,
): Uint8Array | null {
  if (fourOctetAs) return null;
  if (!segments.some((segment) => segment.asns.some((asn) => asn > MAX_TWO_OCTET))) return null;
  return writeSegments(
    segments.filter((segment) => !isConfederation(segment)),
    4,
  );
}

/** Reads AS_PATH or AS4_PATH segments; the reason says what is malformed. */
export function decodeSegments(
  value: Uint8Array,
  asnSize: 2 | 4,
):
  | { readonly ok: true; readonly segments: AsPathSegment[] }
  | { readonly ok: false; readonly reason: string } {
  const segments: AsPathSegment[] = [];
  let offset = 0;
  while (offset < value.length) {
    if (offset + 2 > value.length) return { ok: false, reason: 'a segment header is cut short' };
    const type = value[offset] ?? 0;
    const count = value[offset + 1] ?? 0;
    if (type !== 1 && type !== 2 && type !== 3 && type !== 4) {
      return { ok: false, reason: `segment type ${type}` };
    }
    // RFC 7606 section 7.2: a zero segment length is malformed.
    if (count === 0) return { ok: false, reason: 'a segment of length 0' };
    const end = offset + 2 + count * asnSize;
    if (end > value.length) return { ok: false, reason: 'a segment overruns the attribute' };
    const asns: number[] = [];
    for (let at = offset + 2; at < end; at += asnSize) {
      asns.push(asnSize === 4 ? readUint32(value, at) : readUint16(value, at));
    }
    segments.push({ type, asns });
    offset = end;
  }
  return { ok: true, segments };
}

/** Path length as RFC 4271 section 9.1.2.2 counts it: an AS_SET is one, confederation segments none. */
function pathLength(segments: readonly AsPathSegment[]): number {
  let length = 0;
  for (const segment of segments) {
    if (segment.type === 2) length += segment.asns.length;
    else if (segment.type === 1) length += 1;
  }
  return length;
}

/**
 * RFC 6793 section 4.2.3: the true path from a 2-octet AS_PATH and an AS4_PATH. When AS_PATH
 * is shorter than AS4_PATH, AS4_PATH is ignored; otherwise the leading AS numbers of AS_PATH
 * that AS4_PATH does not cover are kept (with any confederation segments), followed by AS4_PATH.
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[],
): readonly AsPathSegment[] {
  const as4 = as4Path.filter((segment) => !isConfederation(segment));
  let remaining = pathLength(asPath) - pathLength(as4);
  if (remaining < 0) return asPath;
  const merged: AsPathSegment[] = [];
  for (const segment of asPath) {
    if (isConfederation(segment)) {
      merged.push(segment);
    } else if (remaining > 0) {
      if (segment.type === 1) {
        merged.push(segment);
        remaining -= 1;
      } else {
        const taken = segment.asns.slice(0, remaining);
        merged.push({ type: segment.type, asns: taken });
        remaining -= taken.length;
      }
    }
  }
  return [...merged, ...as4];
}

/**
 * Decoding the Path Attributes of an UPDATE with the error handling of RFC 7606, which
 * revises RFC 4271 section 6.3. Each error has one of three outcomes:
 *
 * - treat-as-withdraw: the UPDATE's routes are withdrawn, the session stays (the error is
 *   returned beside the message, never sent);
 * - attribute discard: the attribute is dropped, nothing else happens;
 * - session reset: a NOTIFICATION closes the session.
 *
 * Only the first treat-as-withdraw error is reported; decoding goes on so that a later error
 * that needs a session reset is still found.
 */
import { ipFromBytes, type IPAddress } from '../ip/index.js';
import { decodeSegments, mergeAs4Path } from './as-path.js';
import { AttributeFlag, AttributeType, EXPECTED_FLAGS } from './attributes.js';
import { copyRange, readUint16, readUint32 } from '../bytes/index.js';
import { failed, okValue, updateError, type BodyResult } from './errors.js';
import { decodeMpReach, decodeMpUnreach } from './mp.js';
import {
  UpdateSubcode,
  type AsPathSegment,
  type BgpError,
  type CodecContext,
  type MpReach,
  type MpUnreach,
  type OriginCode,
  type PathAttributes,
  type RawAttribute,
} from './types.js';

export interface DecodedAttributes {
  readonly attributes: PathAttributes;
  readonly treatAsWithdraw?: BgpError;
}

interface Fields {
  origin?: OriginCode;
  asPath?: readonly AsPathSegment[];
  nextHop?: IPAddress;
  multiExitDisc?: number;
  localPref?: number;
  communities?: number[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
}

/** One attribute as found: its flags, type, value, and all of its bytes (the NOTIFICATION data). */
interface Found {
  readonly flags: number;
  readonly typeCode: number;
  readonly value: Uint8Array;
  readonly whole: Uint8Array;
}

/** RFC 4271 section 6.3: NEXT_HOP must be a valid unicast host address. */
function isValidNextHop(value: bigint): boolean {
  const first = Number(value >> 24n);
  return value !== 0n && first < 224;
}

function rawOf(found: Found): RawAttribute {
  return {
    flags: found.flags,
    typeCode: found.typeCode,
    value: copyRange(found.value, 0, found.value.length),
  };
}

/**
 * Decodes the attribute bytes of an UPDATE. `hasNlri` says whether the UPDATE's own NLRI
 * field is non-empty (NEXT_HOP is mandatory then).
 */
export function decodeAttributeList(
  bytes: Uint8Array,
  context: CodecContext,
  hasNlri: boolean,
): BodyResult<DecodedAttributes> {
  const fields: Fields = {};
  const other: RawAttribute[] = [];
  const seen = new Set<number>();
  let as4Path: readonly AsPathSegment[] | undefined;
  let withdraw: BgpError | undefined;
  const treatAsWithdraw = (subcode: number, reason: string, data?: Uint8Array): void => {
    withdraw ??= updateError(subcode, reason, data);
  };

  let offset = 0;
  while (offset < bytes.length) {
    const flags = bytes[offset] ?? 0;
    const headerLength = (flags & AttributeFlag.extendedLength) !== 0 ? 4 : 3;
    // RFC 7606 section 4: too few bytes for an attribute header, or a length that overruns
    // the Total Path Attribute Length, is treat-as-withdraw; the NLRI is still found from
    // the total length.
    if (offset + headerLength > bytes.length) {
      treatAsWithdraw(UpdateSubcode.malformedAttributeList, 'an attribute header is cut short');
      break;
    }
    const typeCode = bytes[offset + 1] ?? 0;
    const length = headerLength === 4 ? readUint16(bytes, offset + 2) : (bytes[offset + 2] ?? 0);
    const end = offset + headerLength + length;
    if (end > bytes.length) {
      treatAsWithdraw(
        UpdateSubcode.malformedAttributeList,
        `attribute ${typeCode} overruns the path attributes`,
      );
      break;
    }
    const found: Found = {
      flags,
      typeCode,
      value: bytes.subarray(offset + headerLength, end),
      whole: copyRange(bytes, offset, end),
    };
    offset = end;

    // RFC 7606 section 3 (g): a repeated MP_REACH_NLRI or MP_UNREACH_NLRI resets the session;
    // any other repeated attribute is dropped after its first occurrence.
    if (seen.has(typeCode)) {
      if (typeCode === AttributeType.mpReach || typeCode === AttributeType.mpUnreach) {
        return failed(
          updateError(UpdateSubcode.malformedAttributeList, `attribute ${typeCode} appears twice`),
        );
      }
      continue;
    }
    seen.add(typeCode);

    const expected = EXPECTED_FLAGS.get(typeCode);
    if (expected === undefined) {
      // RFC 4271 section 6.3: an unrecognized well-known attribute resets the session; an
      // unrecognized optional one is kept (and passed on if transitive, RFC 4271 section 5).
      if ((flags & AttributeFlag.optional) === 0) {
        return failed(
          updateError(
            UpdateSubcode.unrecognizedWellKnown,
            `unrecognized well-known attribute ${typeCode}`,
            found.whole,
          ),
        );
      }
      other.push(rawOf(found));
      continue;
    }
    // RFC 7606 section 3 (c): wrong Optional or Transitive bits make the attribute malformed,
    // handled as that attribute's errors are.
    const flagsOk = (flags & 0xc0) === expected;
    const result = decodeKnown(found, flagsOk, context, fields, other);
    if (result === null) continue;
    if (result.outcome === 'reset') return failed(result.error);
    if (result.outcome === 'withdraw') withdraw ??= result.error;
    else if (result.outcome === 'as4Path') as4Path = result.segments;
  }

  // RFC 6793 section 4.2.3: a 2-octet AS_PATH and AS4_PATH make the true path.
  if (as4Path !== undefined && fields.asPath !== undefined) {
    fields.asPath = mergeAs4Path(fields.asPath, as4Path);
  }

  // RFC 4271 section 6.3 and RFC 7606 section 3 (d): ORIGIN and AS_PATH must be present when
  // there are routes, NEXT_HOP when the routes are in the UPDATE's own NLRI field.
  const mpNlri = (fields.mpReach?.nlri.length ?? 0) > 0;
  if (hasNlri || mpNlri) {
    // (A present but malformed one has already set the first error.)
    const missing = [
      fields.origin === undefined ? AttributeType.origin : null,
      fields.asPath === undefined ? AttributeType.asPath : null,
      hasNlri && fields.nextHop === undefined ? AttributeType.nextHop : null,
    ].find((type) => type !== null);
    if (missing !== undefined && missing !== null) {
      treatAsWithdraw(
        UpdateSubcode.missingWellKnown,
        `missing well-known attribute ${missing}`,
        new Uint8Array([missing]),
      );
    }
  }

  const attributes: PathAttributes = { ...fields, ...(other.length > 0 ? { other } : {}) };
  return okValue(
    withdraw === undefined ? { attributes } : { attributes, treatAsWithdraw: withdraw },
  );
}

type KnownOutcome =
  | { readonly outcome: 'withdraw'; readonly error: BgpError }
  | { readonly outcome: 'reset'; readonly error: BgpError }
  | { readonly outcome: 'as4Path'; readonly segments: readonly AsPathSegment[] }
  | null;

function withdrawWith(subcode: number, reason: string, data?: Uint8Array): KnownOutcome {
  return { outcome: 'withdraw', error: updateError(subcode, reason, data) };
}

/** One recognized attribute, by RFC 7606 section 7's rules for it. Null: stored or discarded. */
function decodeKnown(
  found: Found,
  flagsOk: boolean,
  context: CodecContext,
  fields: Fields,
  other: RawAttribute[],
): KnownOutcome {
  const { typeCode, value, whole } = found;
  const flagsError = (): KnownOutcome =>
    withdrawWith(UpdateSubcode.attributeFlags, `attribute ${typeCode} has wrong flags`, whole);
  const lengthError = (): KnownOutcome =>
    withdrawWith(
      UpdateSubcode.attributeLength,
      `attribute ${typeCode} has length ${value.length}`,
      whole,
    );
  switch (typeCode) {
    case AttributeType.origin: {
      // RFC 7606 section 7.1: treat-as-withdraw.
      if (!flagsOk) return flagsError();
      if (value.length !== 1) return lengthError();
      const origin = value[0] ?? 0;
      if (origin > 2) return withdrawWith(UpdateSubcode.invalidOrigin, `ORIGIN ${origin}`, whole);
      fields.origin = origin as OriginCode;
      return null;
    }
    case AttributeType.asPath: {
      // RFC 7606 section 7.2: treat-as-withdraw.
      if (!flagsOk) return flagsError();
      const decoded = decodeSegments(value, context.fourOctetAs ? 4 : 2);
      if (!decoded.ok) {
        return withdrawWith(UpdateSubcode.malformedAsPath, `AS_PATH: ${decoded.reason}`);
      }
      fields.asPath = decoded.segments;
      return null;
    }
    case AttributeType.nextHop: {
      // RFC 7606 section 7.3: treat-as-withdraw.
      if (!flagsOk) return flagsError();
      if (value.length !== 4) return lengthError();
      const nextHop = ipFromBytes(value, 4, 0);
      if (!isValidNextHop(nextHop.value)) {
        return withdrawWith(
          UpdateSubcode.invalidNextHop,
          'NEXT_HOP is not a unicast address',
          whole,
        );
      }
      fields.nextHop = nextHop;
      return null;
    }
    case AttributeType.multiExitDisc:
      // RFC 7606 section 7.4: attribute discard.
      if (flagsOk && value.length === 4) fields.multiExitDisc = readUint32(value, 0);
      return null;
    case AttributeType.localPref:
      // RFC 7606 section 7.5: treat-as-withdraw.
      if (!flagsOk) return flagsError();
      if (value.length !== 4) return lengthError();
      fields.localPref = readUint32(value, 0);
      return null;
    case AttributeType.atomicAggregate:
      // RFC 7606 section 7.6: attribute discard.
      if (flagsOk && value.length === 0) other.push(rawOf(found));
      return null;
    case AttributeType.aggregator:
      // RFC 7606 section 7.7: attribute discard; 8 bytes between 4-octet AS speakers.
      if (flagsOk && value.length === (context.fourOctetAs ? 8 : 6)) other.push(rawOf(found));
      return null;
    case AttributeType.communities: {
      // RFC 7606 section 7.8: a length that is not a non-zero multiple of 4 is treat-as-withdraw.
      if (!flagsOk) return flagsError();
      if (value.length === 0 || value.length % 4 !== 0) return lengthError();
      const communities: number[] = [];
      for (let at = 0; at < value.length; at += 4) communities.push(readUint32(value, at));
      fields.communities = communities;
      return null;
    }
    case AttributeType.originatorId:
      // RFC 7606 section 7.9: treat-as-withdraw.
      if (!flagsOk) return flagsError();
      if (value.length !== 4) return lengthError();
      other.push(rawOf(found));
      return null;
    case AttributeType.clusterList:
      // RFC 7606 section 7.10: treat-as-withdraw.
      if (!flagsOk) return flagsError();
      if (value.length === 0 || value.length % 4 !== 0) return lengthError();
      other.push(rawOf(found));
      return null;
    case AttributeType.mpReach:
    case AttributeType.mpUnreach: {
      // RFC 7606 sections 5.3 and 7.11: unparsable MP attributes reset the session with
      // Optional Attribute Error (RFC 4760 section 7). Wrong flags alone are treat-as-withdraw.
      const decoded =
        typeCode === AttributeType.mpReach ? decodeMpReach(value) : decodeMpUnreach(value);
      if (decoded.kind === 'malformed') {
        return {
          outcome: 'reset',
          error: updateError(UpdateSubcode.optionalAttribute, decoded.reason, whole),
        };
      }
      if (decoded.kind === 'unsupported') {
        other.push(rawOf(found));
        return null;
      }
      if ('nextHops' in decoded.value) fields.mpReach = decoded.value;
      else fields.mpUnreach = decoded.value;
      return flagsOk ? null : flagsError();
    }
    case AttributeType.as4Path: {
      // RFC 6793 section 3: between 4-octet AS speakers AS4_PATH is discarded; otherwise a
      // malformed one is discarded too (RFC 6793 section 6).
      if (context.fourOctetAs || !flagsOk) return null;
      const decoded = decodeSegments(value, 4);
      return decoded.ok ? { outcome: 'as4Path', segments: decoded.segments } : null;
    }
    case AttributeType.as4Aggregator:
      // As AS4_PATH (RFC 6793 sections 3 and 6); kept raw.
      if (!context.fourOctetAs && flagsOk && value.length === 8) other.push(rawOf(found));
      return null;
    default:
      other.push(rawOf(found));
      return null;
  }
}

/**
 * Path attributes, RFC 4271 section 4.3. Each one is:
 *
 *   Attribute Flags    1 byte   Optional 0x80, Transitive 0x40, Partial 0x20, Extended Length
 *                               0x10; the low four bits are sent as 0 and ignored on receipt
 *   Attribute Type     1 byte
 *   Attribute Length   1 byte, or 2 with Extended Length
 *   Attribute Value    that many bytes
 *
 * The encoder writes them in ascending type order (RFC 4271 section 5 recommends it) and sets
 * Extended Length only for values over 255 bytes. The decoder is in `attribute-list.ts`.
 */
import { encodeAs4Path, encodeAsPath } from './as-path.js';
import { ByteWriter, requireUint } from '../bytes/index.js';
import { ipToBytes } from '../ip/index.js';
import { encodeMpReach, encodeMpUnreach } from './mp.js';
import type { CodecContext, PathAttributes } from './types.js';

export const AttributeFlag = {
  optional: 0x80,
  transitive: 0x40,
  partial: 0x20,
  extendedLength: 0x10,
} as const;

/** Type codes: RFC 4271 (1-7), RFC 1997 (8), RFC 4456 (9, 10), RFC 4760 (14, 15), RFC 6793 (17, 18). */
export const AttributeType = {
  origin: 1,
  asPath: 2,
  nextHop: 3,
  multiExitDisc: 4,
  localPref: 5,
  atomicAggregate: 6,
  aggregator: 7,
  communities: 8,
  originatorId: 9,
  clusterList: 10,
  mpReach: 14,
  mpUnreach: 15,
  as4Path: 17,
  as4Aggregator: 18,
} as const;

const WELL_KNOWN = AttributeFlag.transitive;
const OPTIONAL_TRANSITIVE = AttributeFlag.optional | AttributeFlag.transitive;
const OPTIONAL_NON_TRANSITIVE = AttributeFlag.optional;

/** The Optional and Transitive bits each recognized attribute must carry. */
export const EXPECTED_FLAGS: ReadonlyMap<number, number> = new Map([
  [AttributeType.origin, WELL_KNOWN],
  [AttributeType.asPath, WELL_KNOWN],
  [AttributeType.nextHop, WELL_KNOWN],
  [AttributeType.multiExitDisc, OPTIONAL_NON_TRANSITIVE],
  [AttributeType.localPref, WELL_KNOWN],
  [AttributeType.atomicAggregate, WELL_KNOWN],
  [AttributeType.aggregator, OPTIONAL_TRANSITIVE],
  [AttributeType.communities, OPTIONAL_TRANSITIVE],
  [AttributeType.originatorId, OPTIONAL_NON_TRANSITIVE],
  [AttributeType.clusterList, OPTIONAL_NON_TRANSITIVE],
  [AttributeType.mpReach, OPTIONAL_NON_TRANSITIVE],
  [AttributeType.mpUnreach, OPTIONAL_NON_TRANSITIVE],
  [AttributeType.as4Path, OPTIONAL_TRANSITIVE],
  [AttributeType.as4Aggregator, OPTIONAL_TRANSITIVE],
]);

interface Encoded {
  readonly flags: number;
  readonly typeCode: number;
  readonly value: Uint8Array;
}

function writeAttribute(writer: ByteWriter, attribute: Encoded): void {
  requireUint('attribute length', attribute.value.length, 0xffff);
  // The low four flag bits are unused and sent as zero (RFC 4271 section 4.3).
  let flags = attribute.flags & 0xe0;
  // A raw attribute that arrived with Extended Length keeps it, so it is passed on unchanged.
  if (attribute.value.length > 0xff || (attribute.flags & AttributeFlag.extendedLength) !== 0) {
    flags |= AttributeFlag.extendedLength;
  }
  writer.u8(flags).u8(attribute.typeCode);
  if ((flags & AttributeFlag.extendedLength) !== 0) writer.u16(attribute.value.length);
  else writer.u8(attribute.value.length);
  writer.bytes(attribute.value);
}

function u32Value(what: string, value: number): Uint8Array {
  requireUint(what, value, 0xffffffff);
  return new ByteWriter().u32(value).finish();
}

/** The attributes as one byte string. Throws a RangeError for out-of-range fields. */
export function encodeAttributes(attributes: PathAttributes, context: CodecContext): Uint8Array {
  const list: Encoded[] = [];
  const add = (typeCode: number, value: Uint8Array): void => {
    list.push({ flags: EXPECTED_FLAGS.get(typeCode) ?? 0, typeCode, value });
  };
  if (attributes.origin !== undefined) {
    requireUint('ORIGIN', attributes.origin, 2);
    add(AttributeType.origin, new Uint8Array([attributes.origin]));
  }
  if (attributes.asPath !== undefined) {
    add(AttributeType.asPath, encodeAsPath(attributes.asPath, context.fourOctetAs));
    const as4 = encodeAs4Path(attributes.asPath, context.fourOctetAs);
    if (as4 !== null) add(AttributeType.as4Path, as4);
  }
  if (attributes.nextHop !== undefined) {
    if (attributes.nextHop.family !== 4) throw new RangeError('NEXT_HOP must be an IPv4 address');
    const writer = new ByteWriter();
    writer.bytes(ipToBytes(attributes.nextHop));
    add(AttributeType.nextHop, writer.finish());
  }
  if (attributes.multiExitDisc !== undefined) {
    add(AttributeType.multiExitDisc, u32Value('MULTI_EXIT_DISC', attributes.multiExitDisc));
  }
  if (attributes.localPref !== undefined) {
    add(AttributeType.localPref, u32Value('LOCAL_PREF', attributes.localPref));
  }
  if (attributes.communities !== undefined && attributes.communities.length > 0) {
    // RFC 1997 gives no order; sorted and without duplicates, the same set always encodes alike.
    const unique = [...new Set(attributes.communities)].sort((a, b) => a - b);
    const writer = new ByteWriter();
    for (const community of unique) {
      requireUint('community', community, 0xffffffff);
      writer.u32(community);
    }
    add(AttributeType.communities, writer.finish());
  }
  if (attributes.mpReach !== undefined)
    add(AttributeType.mpReach, encodeMpReach(attributes.mpReach));
  if (attributes.mpUnreach !== undefined) {
    add(AttributeType.mpUnreach, encodeMpUnreach(attributes.mpUnreach));
  }
  for (const raw of attributes.other ?? []) {
    requireUint('attribute flags', raw.flags, 0xff);
    requireUint('attribute type', raw.typeCode, 0xff);
    list.push(raw);
  }
  list.sort((a, b) => a.typeCode - b.typeCode);
  for (let i = 1; i < list.length; i++) {
    if (list[i]?.typeCode === list[i - 1]?.typeCode) {
      throw new RangeError(`attribute type ${list[i]?.typeCode} appears twice`);
    }
  }
  const writer = new ByteWriter();
  for (const attribute of list) writeAttribute(writer, attribute);
  return writer.finish();
}

/**
 * Packing many prefixes into as few UPDATEs as fit in 4096 bytes each (RFC 4271 section 4.1).
 * MetalLB v0.9 sent one UPDATE per prefix; one UPDATE may carry hundreds when they share
 * their path attributes (RFC 4271 section 4.3: all NLRI of an UPDATE share its attributes).
 *
 * IPv4 routes go in the UPDATE's own NLRI field with a NEXT_HOP attribute; IPv6 routes go in
 * one MP_REACH_NLRI per UPDATE, without NEXT_HOP (RFC 4760 section 3). Withdrawals use the
 * Withdrawn Routes field (IPv4) or MP_UNREACH_NLRI (IPv6, RFC 4760 section 4).
 */
import type { Cidr, Family, IPAddress } from '../ip/index.js';
import { encodeAttributes } from './attributes.js';
import { mpReachFixedSize } from './mp.js';
import { prefixSize } from './prefixes.js';
import {
  AFI_IPV6,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  SAFI_UNICAST,
  type CodecContext,
  type PathAttributes,
  type UpdateMessage,
} from './types.js';

export interface PackInput {
  readonly family: Family;
  /** Shared by every route; NEXT_HOP, MP_REACH_NLRI and MP_UNREACH_NLRI are set here, not by the caller. */
  readonly attributes: PathAttributes;
  readonly prefixes: readonly Cidr[];
  /** IPv4 for family 4, IPv6 for family 6. */
  readonly nextHop: IPAddress;
}

/** Withdrawn Routes Length and Total Path Attribute Length. */
const UPDATE_FIXED = HEADER_LENGTH + 2 + 2;

/** Flags, type and a 1- or 2-byte length (Extended Length above 255 bytes). */
function attributeHeaderSize(valueLength: number): number {
  return valueLength > 0xff ? 4 : 3;
}

function checkFamilies(family: Family, prefixes: readonly Cidr[]): void {
  if (family !== 4 && family !== 6)
    throw new RangeError(`family must be 4 or 6, got ${String(family)}`);
  for (const prefix of prefixes) {
    if (prefix.family !== family) {
      throw new RangeError(`an IPv${prefix.family} prefix among IPv${family} ones`);
    }
  }
}

/**
 * Splits `prefixes` in order into runs whose wire size, plus what `overhead` says each
 * message needs for a run of that many bytes, stays within 4096 bytes.
 */
function split(prefixes: readonly Cidr[], overhead: (runBytes: number) => number): Cidr[][] {
  const runs: Cidr[][] = [];
  let run: Cidr[] = [];
  let runBytes = 0;
  for (const prefix of prefixes) {
    const size = prefixSize(prefix);
    if (run.length > 0 && overhead(runBytes + size) + runBytes + size > MAX_MESSAGE_LENGTH) {
      runs.push(run);
      run = [];
      runBytes = 0;
    }
    if (overhead(size) + size > MAX_MESSAGE_LENGTH) {
      throw new RangeError('the path attributes leave no room for a single prefix');
    }
    run.push(prefix);
    runBytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function withoutRouting(attributes: PathAttributes): PathAttributes {
  if (attributes.mpReach !== undefined || attributes.mpUnreach !== undefined) {
    throw new RangeError('packUpdates sets MP_REACH_NLRI itself; do not pass MP attributes');
  }
  // NEXT_HOP is the input's (IPv4) or absent (IPv6: the next hop is in MP_REACH_NLRI).
  const rest: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...attributes };
  delete rest.nextHop;
  return rest;
}

/** UPDATEs announcing `prefixes` with the shared attributes, as few as fit. */
export function packUpdates(input: PackInput, context: CodecContext): UpdateMessage[] {
  checkFamilies(input.family, input.prefixes);
  if (input.nextHop.family !== input.family) {
    throw new RangeError(`an IPv${input.nextHop.family} next hop for IPv${input.family} routes`);
  }
  const shared = withoutRouting(input.attributes);
  if (input.family === 4) {
    const attributes: PathAttributes = { ...shared, nextHop: input.nextHop };
    const fixed = UPDATE_FIXED + encodeAttributes(attributes, context).length;
    return split(input.prefixes, () => fixed).map((nlri) => ({
      type: 'update',
      withdrawn: [],
      attributes,
      nlri,
    }));
  }
  const base = UPDATE_FIXED + encodeAttributes(shared, context).length;
  const mpFixed = mpReachFixedSize([input.nextHop]);
  const overhead = (runBytes: number): number =>
    base + attributeHeaderSize(mpFixed + runBytes) + mpFixed;
  return split(input.prefixes, overhead).map((nlri) => ({
    type: 'update',
    withdrawn: [],
    attributes: {
      ...shared,
      mpReach: { afi: AFI_IPV6, safi: SAFI_UNICAST, nextHops: [input.nextHop], nlri },
    },
    nlri: [],
  }));
}

/** UPDATEs withdrawing `prefixes`, as few as fit. */
export function packWithdrawals(
  family: Family,
  prefixes: readonly Cidr[],
  _context: CodecContext,
): UpdateMessage[] {
  checkFamilies(family, prefixes);
  if (family === 4) {
    return split(prefixes, () => UPDATE_FIXED).map((withdrawn) => ({
      type: 'update',
      withdrawn,
      attributes: {},
      nlri: [],
    }));
  }
  // MP_UNREACH_NLRI value: AFI (2) and SAFI (1), then the prefixes.
  const overhead = (runBytes: number): number =>
    UPDATE_FIXED + attributeHeaderSize(3 + runBytes) + 3;
  return split(prefixes, overhead).map((withdrawn) => ({
    type: 'update',
    withdrawn: [],
    attributes: { mpUnreach: { afi: AFI_IPV6, safi: SAFI_UNICAST, withdrawn } },
    nlri: [],
  }));
}

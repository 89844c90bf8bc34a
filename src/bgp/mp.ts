/**
 * MP_REACH_NLRI (type 14) and MP_UNREACH_NLRI (type 15), RFC 4760 sections 3 and 4:
 *
 *   MP_REACH_NLRI                          MP_UNREACH_NLRI
 *   AFI                       2 bytes      AFI                       2 bytes
 *   SAFI                      1 byte       SAFI                      1 byte
 *   Length of Next Hop        1 byte       Withdrawn Routes          the rest
 *   Next Hop                  that many
 *   Reserved                  1 byte (0, ignored on receipt)
 *   NLRI                      the rest
 *
 * We understand unicast IPv4 and IPv6. An IPv6 next hop is 16 bytes (global) or 32 (global,
 * then link-local; RFC 2545 section 3); IPv4 NLRI may have an IPv6 next hop (RFC 8950).
 * Other families are returned as 'unsupported' and carried as raw attributes.
 */
import { ipFromBytes, ipToBytes, type Family, type IPAddress } from '../ip/index.js';
import { ByteWriter, readUint16, requireUint } from '../bytes/index.js';
import { readPrefixes, writePrefixes } from './prefixes.js';
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, type MpReach, type MpUnreach } from './types.js';

export type MpDecoded<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'malformed'; readonly reason: string };

/** The unicast family of an AFI/SAFI pair, or null for any other (RFC 4760 section 5). */
export function familyOf(afi: number, safi: number): Family | null {
  if (safi !== SAFI_UNICAST) return null;
  if (afi === AFI_IPV4) return 4;
  if (afi === AFI_IPV6) return 6;
  return null;
}

function requireFamily(afi: number): Family {
  if (afi === AFI_IPV4) return 4;
  if (afi === AFI_IPV6) return 6;
  throw new RangeError(`AFI must be ${AFI_IPV4} or ${AFI_IPV6}, got ${afi}`);
}

function checkNextHops(family: Family, nextHops: readonly IPAddress[]): void {
  const oneV4 = family === 4 && nextHops.length === 1 && nextHops[0]?.family === 4;
  const v6 =
    (nextHops.length === 1 || nextHops.length === 2) && nextHops.every((hop) => hop.family === 6);
  if (!oneV4 && !v6) {
    throw new RangeError(
      `next hops for IPv${family} NLRI must be one IPv4 address (IPv4 NLRI only) or one or two IPv6 addresses`,
    );
  }
}

export function encodeMpReach(mp: MpReach): Uint8Array {
  const family = requireFamily(mp.afi);
  requireUint('SAFI', mp.safi, 0xff);
  checkNextHops(family, mp.nextHops);
  const nextHopLength = mp.nextHops.reduce((sum, hop) => sum + (hop.family === 4 ? 4 : 16), 0);
  const writer = new ByteWriter().u16(mp.afi).u8(mp.safi).u8(nextHopLength);
  for (const hop of mp.nextHops) writer.bytes(ipToBytes(hop));
  writer.u8(0);
  writePrefixes(writer, family, mp.nlri);
  return writer.finish();
}

export function encodeMpUnreach(mp: MpUnreach): Uint8Array {
  const family = requireFamily(mp.afi);
  requireUint('SAFI', mp.safi, 0xff);
  const writer = new ByteWriter().u16(mp.afi).u8(mp.safi);
  writePrefixes(writer, family, mp.withdrawn);
  return writer.finish();
}

function nextHopsOf(value: Uint8Array, family: Family, length: number): IPAddress[] | null {
  if (family === 4 && length === 4) return [ipFromBytes(value, 4, 4)];
  if (length === 16) return [ipFromBytes(value, 6, 4)];
  if (length === 32) return [ipFromBytes(value, 6, 4), ipFromBytes(value, 6, 20)];
  return null;
}

export function decodeMpReach(value: Uint8Array): MpDecoded<MpReach> {
  if (value.length < 4) return { kind: 'malformed', reason: 'MP_REACH_NLRI is too short' };
  const afi = readUint16(value, 0);
  const safi = value[2] ?? 0;
  const family = familyOf(afi, safi);
  if (family === null) return { kind: 'unsupported' };
  const nextHopLength = value[3] ?? 0;
  if (4 + nextHopLength + 1 > value.length) {
    return { kind: 'malformed', reason: 'MP_REACH_NLRI next hop overruns the attribute' };
  }
  const nextHops = nextHopsOf(value, family, nextHopLength);
  if (nextHops === null) {
    return { kind: 'malformed', reason: `next hop length ${nextHopLength} for IPv${family}` };
  }
  const nlri = readPrefixes(value.subarray(4 + nextHopLength + 1), family);
  if (!nlri.ok) return { kind: 'malformed', reason: `MP_REACH_NLRI: ${nlri.reason}` };
  return { kind: 'ok', value: { afi, safi, nextHops, nlri: nlri.prefixes } };
}

export function decodeMpUnreach(value: Uint8Array): MpDecoded<MpUnreach> {
  if (value.length < 3) return { kind: 'malformed', reason: 'MP_UNREACH_NLRI is too short' };
  const afi = readUint16(value, 0);
  const safi = value[2] ?? 0;
  const family = familyOf(afi, safi);
  if (family === null) return { kind: 'unsupported' };
  const withdrawn = readPrefixes(value.subarray(3), family);
  if (!withdrawn.ok) return { kind: 'malformed', reason: `MP_UNREACH_NLRI: ${withdrawn.reason}` };
  return { kind: 'ok', value: { afi, safi, withdrawn: withdrawn.prefixes } };
}

/** Bytes of an MP_REACH_NLRI value before its NLRI (for packing). */
export function mpReachFixedSize(nextHops: readonly IPAddress[]): number {
  return 5 + nextHops.reduce((sum, hop) => sum + (hop.family === 4 ? 4 : 16), 0);
}

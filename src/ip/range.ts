/**
 * Inclusive address ranges (first..last) and their split into CIDR prefixes, all on bigint.
 */

import type { Family, IPAddress, Parsed } from './address.js';
import { bitLength, formatIP, isValidValue } from './address.js';
import type { Cidr } from './cidr.js';

/** An inclusive address range: first <= last. */
export interface IPRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

/** Builds a range; an error if the families differ or first is after last. Never throws. */
export function makeRange(first: IPAddress, last: IPAddress): Parsed<IPRange> {
  for (const ip of [first, last]) {
    if (!isValidValue(ip.family, ip.value)) {
      return { ok: false, error: `${ip.value} is not an IPv${ip.family} address value` };
    }
  }
  const text = `${formatIP(first)}-${formatIP(last)}`;
  if (first.family !== last.family) {
    return { ok: false, error: `range ${text} mixes IPv4 and IPv6` };
  }
  if (first.value > last.value) {
    return { ok: false, error: `range ${text} starts after it ends` };
  }
  return { ok: true, value: { family: first.family, first: first.value, last: last.value } };
}

/** Number of addresses in the range: last - first + 1. */
export function rangeSize(r: IPRange): bigint {
  return r.last - r.first + 1n;
}

/** Position of the highest set bit of a positive bigint: floor(log2(n)). */
function floorLog2(n: bigint): number {
  return n.toString(2).length - 1;
}

/**
 * The minimal list of prefixes covering exactly first..last, in ascending order.
 *
 * Greedy: from the current address take the largest prefix aligned there (limited by its lowest
 * set bit) that does not pass `last`. Each step is O(1) bigint operations, so the cost is in the
 * number of output prefixes (at most 2 * bits - 2), never in the number of addresses.
 * Throws a RangeError if the range is not valid (first > last, or values outside the family).
 */
export function rangeToCidrs(r: IPRange): Cidr[] {
  if (!isValidValue(r.family, r.first) || !isValidValue(r.family, r.last) || r.first > r.last) {
    throw new RangeError(`invalid IPv${r.family} range ${r.first}..${r.last}`);
  }
  const bits = bitLength(r.family);
  const cidrs: Cidr[] = [];
  let current = r.first;
  while (current <= r.last) {
    // Largest block aligned at `current`: its lowest set bit (two's complement trick),
    // or the whole address space when `current` is 0.
    const aligned = current === 0n ? 1n << BigInt(bits) : current & -current;
    // Largest power of two that still fits in what is left of the range.
    const fits = 1n << BigInt(floorLog2(r.last - current + 1n));
    const size = aligned < fits ? aligned : fits;
    cidrs.push({ family: r.family, base: current, prefixLength: bits - floorLog2(size) });
    current += size;
  }
  return cidrs;
}

/** True when the ranges share at least one address; always false across families. */
export function rangesOverlap(a: IPRange, b: IPRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

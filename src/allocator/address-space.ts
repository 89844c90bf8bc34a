/**
 * The addresses of one pool in one family, numbered 0..size-1 in the order
 * v0.9 tries them: CIDRs in config order, each from its lowest address, and
 * with avoid-buggy-ips the IPv4 addresses ending in .0 or .255 left out.
 * Numbering is arithmetic (no enumeration), so a /64 costs what a /32 does.
 */
import { usableAddressCount } from '../config/index.js';
import { cidrFirst, cidrLast, type Cidr } from '../ip/index.js';

interface Segment {
  readonly cidr: Cidr;
  readonly first: bigint;
  readonly last: bigint;
  /** Usable addresses in this CIDR. */
  readonly count: bigint;
  /** Index of this CIDR's first usable address in the space. */
  readonly offset: bigint;
  /** avoid-buggy-ips applies (an IPv4 CIDR of a pool that sets it). */
  readonly skipsBuggy: boolean;
}

export class AddressSpace {
  readonly size: bigint;
  /** In config order, so offsets ascend. */
  private readonly segments: Segment[] = [];
  /** The same segments by address, for lookups. */
  private readonly byAddress: Segment[];

  /** `cidrs` all of one family, in config order. */
  constructor(cidrs: readonly Cidr[], avoidBuggyIps: boolean) {
    let offset = 0n;
    for (const cidr of cidrs) {
      const count = usableAddressCount(cidr, avoidBuggyIps);
      this.segments.push({
        cidr,
        first: cidrFirst(cidr).value,
        last: cidrLast(cidr).value,
        count,
        offset,
        skipsBuggy: avoidBuggyIps && cidr.family === 4,
      });
      offset += count;
    }
    this.size = offset;
    this.byAddress = [...this.segments].sort((a, b) => (a.first < b.first ? -1 : 1));
  }

  /** The address value with this index; index in 0..size-1. */
  addressAt(index: bigint): bigint {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.segments[mid] as Segment).offset <= index) low = mid;
      else high = mid - 1;
    }
    const segment = this.segments[low] as Segment;
    const k = index - segment.offset;
    if (!segment.skipsBuggy) return segment.first + k;
    if (segment.cidr.prefixLength <= 24) {
      // Whole /24 blocks: 254 usable each, .1 to .254.
      return segment.first + (k / 254n) * 256n + (k % 254n) + 1n;
    }
    // Inside one /24: only its .0 can come before the usable ones.
    return segment.first + k + ((segment.first & 0xffn) === 0n ? 1n : 0n);
  }

  /** The index of an address value, or null when the address is not a usable one of this space. */
  indexOf(value: bigint): bigint | null {
    const segment = this.segmentOf(value);
    if (segment === undefined) return null;
    const distance = value - segment.first;
    if (!segment.skipsBuggy) return segment.offset + distance;
    const octet = value & 0xffn;
    if (octet === 0n || octet === 0xffn) return null;
    if (segment.cidr.prefixLength <= 24) {
      return segment.offset + (distance / 256n) * 254n + (distance % 256n) - 1n;
    }
    return segment.offset + distance - ((segment.first & 0xffn) === 0n ? 1n : 0n);
  }

  private segmentOf(value: bigint): Segment | undefined {
    let low = 0;
    let high = this.byAddress.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const segment = this.byAddress[mid] as Segment;
      if (value < segment.first) high = mid - 1;
      else if (value > segment.last) low = mid + 1;
      else return segment;
    }
    return undefined;
  }
}

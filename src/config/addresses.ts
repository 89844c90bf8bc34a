/**
 * A pool's `addresses` entries: parsing (CIDR or range), the rule that no
 * two entries overlap, and counting usable addresses.
 */
import {
  cidrFirst,
  cidrLast,
  cidrSize,
  formatIP,
  makeRange,
  parseIP,
  rangeToCidrs,
  type Cidr,
  type Parsed,
} from '../ip/index.js';
import { readGoCidr, readGoIP, type GoReading } from '../ip/index.js';
import { goTrimSpace } from './go-space.js';

/**
 * One entry, as v0.9.6 internal/config/config.go parseCIDR read it:
 * `198.51.100.0/24` (host bits allowed and masked away, as Go's
 * net.ParseCIDR did) or `A-B` (spaces around the dash allowed), split into
 * the minimal CIDRs covering exactly A..B (ipaddr.Summarize). A range that
 * ends before it starts, or whose ends are of different families, covers
 * no address: Summarize gives nothing and v0.9 accepted it so. The notes say
 * what such text was read as.
 */
export function parseAddressEntry(text: string): Parsed<GoReading<Cidr[]>> {
  const dash = text.indexOf('-');
  if (dash === -1) {
    const cidr = readGoCidr(text);
    if (cidr.ok) return { ok: true, value: { value: [cidr.value.value], notes: cidr.value.notes } };
    const single = parseIP(text.trim());
    if (single.ok) {
      const length = single.value.family === 4 ? 32 : 128;
      return {
        ok: false,
        error: `${JSON.stringify(text)} is a single address: write ${text.trim()}/${length} or a range A-B`,
      };
    }
    return { ok: false, error: `${cidr.error} (an entry is a CIDR or a range A-B)` };
  }
  const startText = goTrimSpace(text.slice(0, dash));
  const endText = goTrimSpace(text.slice(dash + 1));
  const start = readGoIP(startText);
  if (!start.ok)
    return { ok: false, error: `invalid range start in ${JSON.stringify(text)}: ${start.error}` };
  const end = readGoIP(endText);
  if (!end.ok)
    return { ok: false, error: `invalid range end in ${JSON.stringify(text)}: ${end.error}` };
  const notes = [...start.value.notes, ...end.value.notes];
  const first = start.value.value;
  const last = end.value.value;
  // ipaddr.Summarize: nothing when the ends are of different families (IPv4-mapped counts as IPv4).
  if (first.family !== last.family) {
    notes.push(`the range ${text} mixes IPv4 and IPv6: v0.9 accepts it and it covers no address`);
    return { ok: true, value: { value: [], notes } };
  }
  // ipaddr.Summarize: nothing when the first address is after the last.
  if (first.value > last.value) {
    notes.push(
      `the range ${text} ends before it starts: v0.9 accepts it and it covers no address (written the other way round, ${formatIP(last)}-${formatIP(first)}, it would cover ${first.value - last.value + 1n})`,
    );
    return { ok: true, value: { value: [], notes } };
  }
  const range = makeRange(first, last);
  if (!range.ok) return { ok: false, error: range.error };
  return { ok: true, value: { value: rangeToCidrs(range.value), notes } };
}

/** Some old consumer devices drop IPv4 traffic to x.x.x.0 and x.x.x.255 (v0.9's avoid-buggy-ips). */
export function isBuggyAddress(family: 4 | 6, value: bigint): boolean {
  if (family !== 4) return false;
  const last = value & 0xffn;
  return last === 0n || last === 0xffn;
}

/** Floor division on bigint (bigint `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** How many x in first..last have x mod 256 == residue. */
function countResidue(first: bigint, last: bigint, residue: bigint): bigint {
  return floorDiv(last - residue, 256n) - floorDiv(first - 1n - residue, 256n);
}

/** Addresses of a CIDR a pool may hand out; exact, without enumerating. */
export function usableAddressCount(cidr: Cidr, avoidBuggyIps: boolean): bigint {
  const size = cidrSize(cidr);
  if (!avoidBuggyIps || cidr.family !== 4) return size;
  const first = cidrFirst(cidr).value;
  const last = cidrLast(cidr).value;
  return size - countResidue(first, last, 0n) - countResidue(first, last, 255n);
}

/** One address entry of one pool, identified by its order in the whole config. */
export interface EntryRef {
  /** Order of the entry across all pools (pools in config order, entries in pool order). */
  readonly order: number;
  readonly cidrs: readonly Cidr[];
}

interface Block {
  readonly cidr: Cidr;
  readonly first: bigint;
  readonly last: bigint;
  readonly owner: number;
  /** Earliest owner among the blocks that contain this one. */
  upMin: number;
  /** Earliest owner among the blocks this one contains. */
  downMin: number;
}

/**
 * For each entry that overlaps an entry EARLIER in config order, the
 * earliest such entry: `Map<later order, earlier order>`. v0.9 compared
 * every prefix with every prefix before it (quadratic); prefixes are
 * CIDRs, so two overlap only when one contains the other, and one sort plus
 * a stack of enclosing blocks finds every pair in O(n log n).
 */
export function findOverlaps(entries: readonly EntryRef[]): Map<number, number> {
  const blocks: Block[] = [];
  for (const entry of entries) {
    for (const cidr of entry.cidrs) {
      blocks.push({
        cidr,
        first: cidrFirst(cidr).value,
        last: cidrLast(cidr).value,
        owner: entry.order,
        upMin: Infinity,
        downMin: Infinity,
      });
    }
  }
  // Family, then start; at equal starts the larger block first, so it encloses the rest.
  blocks.sort(
    (a, b) =>
      a.cidr.family - b.cidr.family ||
      (a.first < b.first ? -1 : a.first > b.first ? 1 : 0) ||
      a.cidr.prefixLength - b.cidr.prefixLength ||
      a.owner - b.owner,
  );

  const stack: Block[] = [];
  const pop = (): void => {
    const done = stack.pop();
    const parent = stack[stack.length - 1];
    if (done !== undefined && parent !== undefined) {
      parent.downMin = Math.min(parent.downMin, done.owner, done.downMin);
    }
  };
  for (const block of blocks) {
    for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
      if (top.cidr.family === block.cidr.family && block.first <= top.last) break;
      pop();
    }
    const parent = stack.at(-1);
    if (parent !== undefined) block.upMin = Math.min(parent.upMin, parent.owner);
    stack.push(block);
  }
  while (stack.length > 0) pop();

  const overlaps = new Map<number, number>();
  for (const block of blocks) {
    const earliest = Math.min(block.upMin, block.downMin);
    if (earliest < block.owner) {
      const known = overlaps.get(block.owner);
      if (known === undefined || earliest < known) overlaps.set(block.owner, earliest);
    }
  }
  return overlaps;
}

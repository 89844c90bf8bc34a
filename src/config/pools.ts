/**
 * `address-pools`: each pool's own rules, then the rules between pools
 * (unique names, no overlapping addresses). docs/COMPAT.md section 1.
 */
import { formatCidr, type Cidr } from '../ip/index.js';
import { findOverlaps, parseAddressEntry, usableAddressCount } from './addresses.js';
import { parseCommunity } from './community.js';
import type { Path, Report } from './path.js';
import type { RawBgpAdvertisement, RawPool } from './schema.js';
import type { AddressEntry, BgpAdvertisement, Pool } from './types.js';

/** `bgp-communities` after parsing; aliases whose value was invalid map to null (reported already). */
export type CommunityAliases = ReadonlyMap<string, number | null>;

/** v0.9's advertisement when a bgp pool lists none: the IP itself, no attributes. */
const DEFAULT_ADVERTISEMENT: BgpAdvertisement = {
  aggregationLength: 32,
  aggregationLengthV6: null,
  localPref: 0,
  communities: [],
};

/** One pool, or null when it has errors (they are reported). */
export function parsePool(
  raw: RawPool,
  path: Path,
  aliases: CommunityAliases,
  report: Report,
  warn: Report,
): Pool | null {
  let failed = false;
  const fail: Report = (where, message) => {
    failed = true;
    report(where, message);
  };

  const entries = parseAddressEntries(raw.addresses, [...path, 'addresses'], fail, warn);
  const cidrs = entries.flatMap((entry) => entry.cidrs);
  if (cidrs.length === 0 && entries.length === raw.addresses.length) {
    // v0.9.6 config.go only checks that the list is not empty; its allocator finds no address here.
    warn(
      [...path, 'addresses'],
      `pool ${JSON.stringify(raw.name)} has no address left once its entries are read: v0.9 accepts it and never allocates from it`,
    );
  }

  const rawAdvertisements = raw['bgp-advertisements'] ?? [];
  let bgpAdvertisements: BgpAdvertisement[] = [];
  if (raw.protocol === 'layer2') {
    if (rawAdvertisements.length > 0) {
      fail(
        [...path, 'bgp-advertisements'],
        'bgp-advertisements are only for pools with protocol bgp; this pool is layer2',
      );
    }
  } else if (rawAdvertisements.length === 0) {
    // v0.9 applies its default without checking it against the pool's prefixes.
    bgpAdvertisements = [DEFAULT_ADVERTISEMENT];
  } else {
    bgpAdvertisements = rawAdvertisements.map((ad, index) =>
      parseAdvertisement(ad, [...path, 'bgp-advertisements', index], entries, aliases, fail),
    );
  }

  if (failed) return null;
  const avoidBuggyIps = raw['avoid-buggy-ips'] ?? false;
  return {
    name: raw.name,
    protocol: raw.protocol,
    entries,
    cidrs,
    avoidBuggyIps,
    autoAssign: raw['auto-assign'] ?? true,
    bgpAdvertisements,
    addressCount: countUsableAddresses(cidrs, avoidBuggyIps),
  };
}

/**
 * An `addresses` list (of a pool, or of a balancer class, which takes the
 * same entries): the entries that parse; each one that does not is reported
 * at its index under `path`. What v0.9 accepted though it is probably not
 * meant (a range written end first, a leading zero) goes to `warn`; without
 * `warn` (the balancer classes, which v0.9 never read) it is an error.
 */
export function parseAddressEntries(
  texts: readonly string[],
  path: Path,
  fail: Report,
  warn: Report = (where, note) => fail(where, `${note}; a balancer class takes no such entry`),
): AddressEntry[] {
  const entries: AddressEntry[] = [];
  texts.forEach((text, index) => {
    const parsed = parseAddressEntry(text);
    if (!parsed.ok) {
      fail([...path, index], parsed.error);
      return;
    }
    for (const note of parsed.value.notes) warn([...path, index], note);
    entries.push({ text, cidrs: parsed.value.value });
  });
  return entries;
}

/** Usable addresses of a set of prefixes: buggy ones excluded when avoidBuggyIps. */
export function countUsableAddresses(cidrs: readonly Cidr[], avoidBuggyIps: boolean): bigint {
  return cidrs.reduce((sum, cidr) => sum + usableAddressCount(cidr, avoidBuggyIps), 0n);
}

function parseAdvertisement(
  raw: RawBgpAdvertisement,
  path: Path,
  entries: readonly AddressEntry[],
  aliases: CommunityAliases,
  fail: Report,
): BgpAdvertisement {
  const given = raw['aggregation-length'];
  const aggregationLength = given ?? 32;
  const givenV6 = raw['aggregation-length-v6'];
  const aggregationLengthV6 = givenV6 ?? null;
  const prefixes = entries.flatMap((entry) => entry.cidrs);
  // An error about the length points at the key, or at the advertisement when the default is at fault.
  const lengthPath = given === undefined ? path : [...path, 'aggregation-length'];
  // v0.9 refused a length above 32, and one below 0 through the check against each prefix: a
  // pool without any prefix (only ranges that cover nothing) takes it.
  if (aggregationLength > 32 || (aggregationLength < 0 && prefixes.length > 0)) {
    fail(lengthPath, `aggregation-length ${aggregationLength} must be between 0 and 32`);
  } else {
    // v0.9: every prefix of the pool must fit in one aggregate of this length. With the
    // metallb-ts opt-in `aggregation-length-v6`, IPv6 prefixes are measured against that instead.
    const tooSpecific = entries
      .flatMap((entry) =>
        entry.cidrs.map((cidr) => ({ cidr, length: lengthAsV09Saw(entry, cidr) })),
      )
      .filter(({ cidr }) => aggregationLengthV6 === null || cidr.family === 4)
      .find(({ length }) => length > aggregationLength);
    if (tooSpecific !== undefined)
      fail(lengthPath, tooShortMessage(aggregationLength, tooSpecific));
  }
  if (aggregationLengthV6 !== null) {
    const v6Path = [...path, 'aggregation-length-v6'];
    if (aggregationLengthV6 < 0 || aggregationLengthV6 > 128) {
      fail(v6Path, `aggregation-length-v6 ${aggregationLengthV6} must be between 0 and 128`);
    } else {
      const tooSpecific = prefixes.find(
        (cidr) => cidr.family === 6 && cidr.prefixLength > aggregationLengthV6,
      );
      if (tooSpecific !== undefined) {
        fail(
          v6Path,
          `aggregation-length-v6 ${aggregationLengthV6} is shorter than the pool's prefix ${formatCidr(tooSpecific)}: it must be at least ${tooSpecific.prefixLength}`,
        );
      }
    }
  }

  const communities = new Set<number>();
  (raw.communities ?? []).forEach((text, index) => {
    if (aliases.has(text)) {
      const value = aliases.get(text);
      if (value !== null && value !== undefined) communities.add(value);
      return;
    }
    const parsed = parseCommunity(text);
    if (parsed.ok) communities.add(parsed.value);
    else {
      fail(
        [...path, 'communities', index],
        `${JSON.stringify(text)} is neither an alias from bgp-communities nor a community A:B`,
      );
    }
  });

  return {
    aggregationLength,
    aggregationLengthV6,
    localPref: raw.localpref ?? 0,
    communities: [...communities].sort((a, b) => a - b),
  };
}

function tooShortMessage(
  aggregationLength: number,
  { cidr, length }: { cidr: Cidr; length: number },
): string {
  if (length !== cidr.prefixLength) {
    return `the pool's prefix ${formatCidr(cidr)} is written IPv4-mapped, which v0.9 measured as /${length}, longer than any aggregation-length: v0.9 refuses the advertisement; write it as ${formatCidr(cidr)}`;
  }
  const ipv6 =
    cidr.family === 6
      ? ' (to advertise IPv6 addresses, add aggregation-length-v6 to this advertisement)'
      : '';
  return `aggregation-length ${aggregationLength} is shorter than the pool's prefix ${formatCidr(cidr)}: it must be at least ${length}${ipv6}`;
}

/**
 * The prefix length v0.9.6 config.go parseBGPAdvertisements compared with
 * aggregation-length: `Mask.Size()` of net.ParseCIDR's mask, 16 bytes long
 * for IPv6 text, so an IPv4-mapped `::ffff:10.0.0.0/120` measured 120
 * although it holds 10.0.0.0/24 (a range's prefixes came from
 * ipaddr.Summarize with 4-byte masks).
 */
function lengthAsV09Saw(entry: AddressEntry, cidr: Cidr): number {
  const mappedPrefix = cidr.family === 4 && !entry.text.includes('-') && entry.text.includes(':');
  return mappedPrefix ? cidr.prefixLength + 96 : cidr.prefixLength;
}

/** A parsed pool and where it stands in the config. */
export interface PlacedPool {
  readonly pool: Pool;
  readonly index: number;
}

/** Rules between pools: unique names; no address entry overlaps another. */
export function checkPoolsTogether(pools: readonly PlacedPool[], report: Report): void {
  const firstByName = new Map<string, number>();
  for (const { pool, index } of pools) {
    const first = firstByName.get(pool.name);
    if (first === undefined) firstByName.set(pool.name, index);
    else {
      report(
        ['address-pools', index, 'name'],
        `duplicate pool name ${JSON.stringify(pool.name)}: address-pools[${first}] has it already`,
      );
    }
  }

  const owners: { pool: PlacedPool; entryIndex: number; entry: AddressEntry }[] = [];
  for (const placed of pools) {
    placed.pool.entries.forEach((entry, entryIndex) =>
      owners.push({ pool: placed, entryIndex, entry }),
    );
  }
  const overlaps = findOverlaps(
    owners.map((owner, order) => ({ order, cidrs: owner.entry.cidrs })),
  );
  for (const [later, earlier] of [...overlaps].sort((a, b) => a[0] - b[0])) {
    const mine = owners[later];
    const theirs = owners[earlier];
    if (mine === undefined || theirs === undefined) continue;
    const where =
      theirs.pool.index === mine.pool.index
        ? `this pool's addresses[${theirs.entryIndex}]`
        : `pool ${JSON.stringify(theirs.pool.pool.name)} (address-pools[${theirs.pool.index}].addresses[${theirs.entryIndex}])`;
    report(
      ['address-pools', mine.pool.index, 'addresses', mine.entryIndex],
      `${mine.entry.text} overlaps ${theirs.entry.text} in ${where}`,
    );
  }
}

/**
 * Which Service holds which address: the v0.9 allocator's rules
 * (docs/COMPAT.md section 2) on data structures that scale.
 *
 * v0.9 walked a pool address by address for every allocation, checking
 * each against the sharing rules (quadratic over a large pool) and tried
 * pools in Go's random map order. Here each pool and family is an
 * AddressSpace (addresses numbered in v0.9's order of preference) with a
 * FreeIndexSet (lowest free index in O(log n)), and the addresses a
 * sharing key holds are indexed, so "the lowest address that is free or
 * shareable" is the smaller of two direct answers. Pools are tried in
 * config order.
 *
 * Balancer classes (docs/SCALEOUT.md): each class's pool is kept beside the
 * address pools, owned by its class. An address of a class goes only to a
 * claim of that class, and a claim of a class takes addresses of its class
 * only. A Service of a class holds one key per address (slots.ts); no two
 * slots of one Service ever hold the same address.
 */
import type { Config, Pool } from '../config/index.js';
import { cidrFirst, cidrLast, formatIP, type Family, type IPAddress } from '../ip/index.js';
import { AddressSpace } from './address-space.js';
import { IndexedSpace } from './free-set.js';
import { portKey, sharingProblem } from './sharing.js';
import { isExtraSlotKey, serviceOfKey } from './slots.js';
import type { Claim, Orphan, PoolStats, Port, Result } from './types.js';

/** One family of one pool. */
interface Space {
  readonly addresses: AddressSpace;
  /** Which indices are held, and by what; the lowest free one. */
  readonly holders: IndexedSpace<IPUse>;
  /** Addresses held under each non-empty sharing key, by index ascending. */
  readonly bySharingKey: Map<string, IPUse[]>;
}

interface PoolState {
  readonly pool: Pool;
  /** The balancer class whose pool this is, or null for an address pool of the `config` key. */
  readonly owner: string | null;
  readonly spaces: ReadonlyMap<Family, Space>;
  /**
   * Services (not allocator keys) holding at least one address of the pool:
   * a Service of a class counts once however many of its slots are here,
   * so `metallb_allocator_services_allocated_total` keeps v0.9's meaning.
   */
  services: number;
  /** Each Service holding slots k >= 1 here, and how many. */
  readonly extraSlots: Map<string, number>;
}

/** One address in use, and by whom. */
interface IPUse {
  readonly ip: IPAddress;
  readonly pool: PoolState;
  readonly space: Space;
  readonly index: bigint;
  /** As v0.9: the keys of the Service assigned last (all holders agree, or are one Service). */
  sharingKey: string;
  backendKey: string;
  /** The Services holding it, in the order they got it, and their claims (same order). */
  readonly services: string[];
  readonly claims: Claim[];
  /** `protocol/port` -> Service, kept only while the address is shared (alone, the one claim says it). */
  ports: Map<string, string> | null;
}

/** The pool holding an address, and the address's index in that pool's space. */
interface Location {
  readonly pool: PoolState;
  readonly space: Space;
  readonly index: bigint;
}

/** Every CIDR of every pool, sorted by address: which pool holds an address, in O(log n). */
class Directory {
  private readonly entries: { family: Family; first: bigint; last: bigint; pool: PoolState }[] = [];

  constructor(pools: Iterable<PoolState>) {
    for (const pool of pools) {
      for (const cidr of pool.pool.cidrs) {
        this.entries.push({
          family: cidr.family,
          first: cidrFirst(cidr).value,
          last: cidrLast(cidr).value,
          pool,
        });
      }
    }
    this.entries.sort(
      (a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0),
    );
  }

  /** The pool whose CIDRs contain the address (config validation ensures at most one). */
  poolContaining(ip: IPAddress): PoolState | undefined {
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const entry = this.entries[mid];
      if (entry === undefined) break;
      const before =
        ip.family < entry.family || (ip.family === entry.family && ip.value < entry.first);
      const after =
        ip.family > entry.family || (ip.family === entry.family && ip.value > entry.last);
      if (before) high = mid - 1;
      else if (after) low = mid + 1;
      else return entry.pool;
    }
    return undefined;
  }

  /** The pool and index of a usable address (avoid-buggy-ips honoured). */
  locate(ip: IPAddress): Location | undefined {
    const pool = this.poolContaining(ip);
    const space = pool?.spaces.get(ip.family);
    const index = space?.addresses.indexOf(ip.value) ?? null;
    return pool === undefined || space === undefined || index === null
      ? undefined
      : { pool, space, index };
  }
}

export class Allocator {
  private pools = new Map<string, PoolState>();
  private directory = new Directory([]);
  /** Each allocator key (a Service, or one slot of a Service of a class) and the address it holds. */
  private readonly services = new Map<string, IPUse>();
  /** The slot keys k >= 1 of each Service that has any. */
  private readonly extraSlotKeys = new Map<string, Set<string>>();

  /**
   * Takes the pools of a new config. Refused, changing nothing, when an
   * assigned IP would belong to no pool (v0.9 SetPools); otherwise every
   * assignment stays and follows its address into the pool that now holds
   * it (a renamed pool keeps its Services). The balancer classes' pools
   * count as pools here: removing a class, or shrinking its addresses, under
   * a Service that holds one is refused the same way. An assignment whose
   * address now lies in a pool its claim may not use (an address pool's
   * range turned into a class, or the reverse) is released: its Service's
   * next convergence replaces it.
   */
  setPools(config: Config): Result<void> & { readonly orphans?: readonly Orphan[] } {
    const pools = new Map<string, PoolState>();
    for (const pool of config.pools) pools.set(pool.name, makePoolState(pool, null));
    for (const balancerClass of config.balancerClasses) {
      pools.set(balancerClass.name, makePoolState(balancerClass.pool, balancerClass.name));
    }
    const directory = new Directory(pools.values());

    const orphans: Orphan[] = [];
    for (const [key, use] of this.services) {
      if (directory.locate(use.ip) === undefined) {
        orphans.push({ service: serviceOfKey(key), ip: formatIP(use.ip) });
      }
    }
    if (orphans.length > 0) {
      const listed = orphans.map((o) => `${o.service} (${o.ip})`).join(', ');
      return {
        ok: false,
        error: `the new config leaves assigned IPs outside every pool: ${listed}`,
        orphans,
      };
    }

    const allocations = [...this.services];
    this.pools = pools;
    this.directory = directory;
    this.services.clear();
    this.extraSlotKeys.clear();
    for (const [service, use] of allocations) {
      const claim = use.claims[use.services.indexOf(service)] as Claim;
      const where = directory.locate(use.ip);
      if (where !== undefined && where.pool.owner === classOf(claim)) {
        this.record(service, use.ip, where, claim);
      }
    }
    return { ok: true, value: undefined };
  }

  /**
   * Gives `service` the address `ip` when the config and the sharing rules
   * allow it (v0.9 Assign): the address lies in a pool (avoid-buggy-ips
   * honoured); if others hold it, the sharing and backend keys match and no
   * port collides. A Service alone on its address may change its keys.
   */
  assign(service: string, ip: IPAddress, claim: Claim): Result<IPAddress> {
    const where = this.directory.locate(ip);
    if (where === undefined) return { ok: false, error: this.outsidePools(ip) };
    return this.assignAt(service, ip, where, claim);
  }

  /** assign() once the address's place is known. */
  private assignAt(
    service: string,
    ip: IPAddress,
    where: Location,
    claim: Claim,
  ): Result<IPAddress> {
    if (where.pool.owner !== classOf(claim)) {
      return { ok: false, error: ownershipProblem(formatIP(ip), where.pool.owner, classOf(claim)) };
    }
    const use = where.space.holders.get(where.index);
    const owner = serviceOfKey(service);
    const sibling = use?.services.find((s) => s !== service && serviceOfKey(s) === owner);
    if (sibling !== undefined) {
      return { ok: false, error: `${formatIP(ip)} is already one of ${owner}'s addresses` };
    }
    if (use !== undefined) {
      const problem = sharingProblem(use, claim);
      const others = use.services.filter((s) => s !== service);
      if (problem !== null && others.length > 0) {
        return {
          ok: false,
          error: `${formatIP(ip)} is in use by ${[...new Set(others.map(serviceOfKey))].join(', ')}: ${problem}`,
        };
      }
      for (const port of claim.ports) {
        const holder = portHolder(use, port);
        if (holder !== undefined && holder !== service) {
          return {
            ok: false,
            error: `port ${portKey(port)} is already in use on ${formatIP(ip)} by ${serviceOfKey(holder)}`,
          };
        }
      }
    }
    this.unassign(service);
    this.record(service, ip, where, claim);
    return { ok: true, value: ip };
  }

  /**
   * The lowest address of the pool that is free or shareable under the
   * Service's keys (v0.9 AllocateFromPool), even when the pool does not
   * auto-assign. A Service that holds an address keeps it.
   */
  allocateFromPool(
    service: string,
    family: Family,
    poolName: string,
    claim: Claim,
  ): Result<IPAddress> {
    const held = this.heldAddress(service, family, claim);
    if (held !== undefined) return held;
    const state = this.pools.get(poolName);
    if (state === undefined)
      return { ok: false, error: `unknown pool ${JSON.stringify(poolName)}` };
    if (state.owner !== classOf(claim)) {
      const what = `pool ${JSON.stringify(poolName)}`;
      return { ok: false, error: ownershipProblem(what, state.owner, classOf(claim)) };
    }
    const space = state.spaces.get(family);
    if (space === undefined) {
      return { ok: false, error: `pool ${JSON.stringify(poolName)} has no IPv${family} addresses` };
    }
    const index = lowestCandidate(space, serviceOfKey(service), claim);
    if (index === null) {
      return {
        ok: false,
        error: `no available IPv${family} address in pool ${JSON.stringify(poolName)}`,
      };
    }
    const ip = { family, value: space.addresses.addressAt(index) };
    return this.assignAt(service, ip, { pool: state, space, index }, claim);
  }

  /** The first pool, in config order, with auto-assign on and room (v0.9 Allocate). */
  allocate(service: string, family: Family, claim: Claim): Result<IPAddress> {
    const held = this.heldAddress(service, family, claim);
    if (held !== undefined) return held;
    let candidates = 0;
    for (const [name, state] of this.pools) {
      // A class's pool never auto-assigns: only its own Services draw from it, by name.
      if (!state.pool.autoAssign || state.owner !== null || !state.spaces.has(family)) continue;
      candidates++;
      const result = this.allocateFromPool(service, family, name, claim);
      if (result.ok) return result;
    }
    return {
      ok: false,
      error:
        candidates === 0
          ? `no pool with auto-assign has IPv${family} addresses`
          : `no available IPv${family} address in the pools with auto-assign`,
    };
  }

  /** Frees the address held under one key (a v0.9 Service, or one slot of a class's Service). */
  unassign(service: string): boolean {
    const use = this.services.get(service);
    if (use === undefined) return false;
    this.services.delete(service);
    this.uncount(service, use.pool);
    const at = use.services.indexOf(service);
    const [claim] = use.claims.splice(at, 1);
    use.services.splice(at, 1);
    for (const port of claim?.ports ?? []) {
      if (use.ports?.get(portKey(port)) === service) use.ports.delete(portKey(port));
    }
    if (use.services.length <= 1) use.ports = null;
    if (use.services.length === 0) {
      use.space.holders.release(use.index);
      unindexSharing(use.space, use);
    }
    return true;
  }

  /** Frees every address of a Service: its own key and all its slots (docs/SCALEOUT.md). */
  unassignService(service: string): boolean {
    let any = this.unassignExtraSlots(service);
    if (this.unassign(service)) any = true;
    return any;
  }

  /** Frees the addresses of a Service's slots k >= 1, keeping its own key's. */
  unassignExtraSlots(service: string): boolean {
    const keys = this.extraSlotKeys.get(service);
    if (keys === undefined) return false;
    for (const key of [...keys]) this.unassign(key);
    return true;
  }

  /** The allocator keys a Service holds addresses under: its own, then its slots k >= 1. */
  keysOf(service: string): string[] {
    const keys = this.services.has(service) ? [service] : [];
    return [...keys, ...(this.extraSlotKeys.get(service) ?? [])];
  }

  ipOf(service: string): IPAddress | undefined {
    return this.services.get(service)?.ip;
  }

  /** The pool that would hold an address (avoid-buggy-ips honoured), if any. */
  poolFor(ip: IPAddress): string | undefined {
    return this.directory.locate(ip)?.pool.pool.name;
  }

  poolOf(service: string): string | undefined {
    return this.services.get(service)?.pool.pool.name;
  }

  /** The Services holding an address, in the order they got it. */
  servicesOn(ip: IPAddress): string[] {
    const where = this.directory.locate(ip);
    return [...(where?.space.holders.get(where.index)?.services ?? [])];
  }

  poolNames(): string[] {
    return [...this.pools.keys()];
  }

  stats(poolName: string): PoolStats | undefined {
    const state = this.pools.get(poolName);
    if (state === undefined) return undefined;
    let addressesInUse = 0;
    for (const space of state.spaces.values()) addressesInUse += space.holders.usedCount;
    return { capacity: state.pool.addressCount, addressesInUse, servicesAllocated: state.services };
  }

  /** v0.9: a Service that already holds an address re-asserts it, whatever the pool asked for. */
  private heldAddress(
    service: string,
    family: Family,
    claim: Claim,
  ): Result<IPAddress> | undefined {
    const held = this.services.get(service)?.ip;
    if (held === undefined) return undefined;
    if (held.family !== family) {
      return { ok: false, error: `${service} holds ${formatIP(held)}, which is not IPv${family}` };
    }
    return this.assign(service, held, claim);
  }

  /** Records an assignment already checked. */
  private record(service: string, ip: IPAddress, where: Location, claim: Claim): void {
    let use = where.space.holders.get(where.index);
    if (use === undefined) {
      use = {
        ip,
        pool: where.pool,
        space: where.space,
        index: where.index,
        sharingKey: claim.sharingKey,
        backendKey: claim.backendKey,
        services: [],
        claims: [],
        ports: null,
      };
      where.space.holders.take(where.index, use);
      indexSharing(where.space, use);
    } else if (use.sharingKey !== claim.sharingKey || use.backendKey !== claim.backendKey) {
      unindexSharing(where.space, use);
      use.sharingKey = claim.sharingKey;
      use.backendKey = claim.backendKey;
      indexSharing(where.space, use);
    }
    if (use.services.length > 0 && use.ports === null) {
      use.ports = new Map();
      use.services.forEach((holder, i) => addPorts(use, holder, use.claims[i] as Claim));
    }
    use.services.push(service);
    use.claims.push(claim);
    if (use.ports !== null) addPorts(use, service, claim);
    this.count(service, where.pool);
    this.services.set(service, use);
  }

  /** A key takes an address of the pool: counts its Service if it is new to the pool. */
  private count(key: string, pool: PoolState): void {
    const owner = serviceOfKey(key);
    if (!isExtraSlotKey(key)) {
      if (!pool.extraSlots.has(owner)) pool.services++;
      return;
    }
    const before = pool.extraSlots.get(owner) ?? 0;
    pool.extraSlots.set(owner, before + 1);
    if (before === 0 && this.services.get(owner)?.pool !== pool) pool.services++;
    const keys = this.extraSlotKeys.get(owner) ?? new Set<string>();
    keys.add(key);
    this.extraSlotKeys.set(owner, keys);
  }

  /** A key gave up an address of the pool (already removed from `services`). */
  private uncount(key: string, pool: PoolState): void {
    const owner = serviceOfKey(key);
    if (!isExtraSlotKey(key)) {
      if (!pool.extraSlots.has(owner)) pool.services--;
      return;
    }
    const after = (pool.extraSlots.get(owner) ?? 1) - 1;
    if (after > 0) pool.extraSlots.set(owner, after);
    else {
      pool.extraSlots.delete(owner);
      if (this.services.get(owner)?.pool !== pool) pool.services--;
    }
    const keys = this.extraSlotKeys.get(owner);
    keys?.delete(key);
    if (keys?.size === 0) this.extraSlotKeys.delete(owner);
  }

  private outsidePools(ip: IPAddress): string {
    const pool = this.directory.poolContaining(ip);
    if (pool === undefined) return `${formatIP(ip)} is not in any address pool`;
    return `${formatIP(ip)} is in pool ${JSON.stringify(pool.pool.name)}, which avoids addresses ending in .0 and .255 (avoid-buggy-ips)`;
  }
}

/** The balancer class a claim belongs to, or null for a v0.9 Service. */
const classOf = (claim: Claim): string | null => claim.balancerClass ?? null;

/** Why an address (or a pool) cannot go to a claim of `wanted` class, the pool being `owner`'s. */
function ownershipProblem(what: string, owner: string | null, wanted: string | null): string {
  if (wanted === null) {
    return `${what} belongs to balancer class ${JSON.stringify(owner)}: only Services of the class get its addresses`;
  }
  if (owner === null) {
    return `${what} is not an address of balancer class ${JSON.stringify(wanted)}: a Service of a class gets addresses of its class only`;
  }
  return `${what} belongs to balancer class ${JSON.stringify(owner)}, not to the Service's class ${JSON.stringify(wanted)}`;
}

function makePoolState(pool: Pool, owner: string | null): PoolState {
  const spaces = new Map<Family, Space>();
  for (const family of [4, 6] as const) {
    const cidrs = pool.cidrs.filter((c) => c.family === family);
    if (cidrs.length === 0) continue;
    const addresses = new AddressSpace(cidrs, pool.avoidBuggyIps);
    spaces.set(family, {
      addresses,
      holders: new IndexedSpace<IPUse>(addresses.size),
      bySharingKey: new Map(),
    });
  }
  return { pool, owner, spaces, services: 0, extraSlots: new Map() };
}

/**
 * The lowest index that is free, or held under the claim's sharing key and
 * open to it; never one the Service itself already holds (under another slot).
 */
function lowestCandidate(space: Space, service: string, claim: Claim): bigint | null {
  const free = space.holders.lowest();
  if (claim.sharingKey === '') return free;
  const shareable = (space.bySharingKey.get(claim.sharingKey) ?? []).find(
    (use) =>
      sharingProblem(use, claim) === null &&
      use.services.every((holder) => serviceOfKey(holder) !== service) &&
      claim.ports.every((p) => portHolder(use, p) === undefined),
  );
  if (shareable === undefined) return free;
  return free === null || shareable.index < free ? shareable.index : free;
}

/** The Service using a port (protocol and number) on an address. */
function portHolder(use: IPUse, port: Port): string | undefined {
  if (use.ports !== null) return use.ports.get(portKey(port));
  const alone = use.claims[0];
  const uses = alone?.ports.some((p) => p.port === port.port && p.protocol === port.protocol);
  return uses === true ? use.services[0] : undefined;
}

function addPorts(use: IPUse, service: string, claim: Claim): void {
  for (const port of claim.ports) use.ports?.set(portKey(port), service);
}

function indexSharing(space: Space, use: IPUse): void {
  if (use.sharingKey === '') return;
  const list = space.bySharingKey.get(use.sharingKey) ?? [];
  let at = list.length;
  while (at > 0 && (list[at - 1] as IPUse).index > use.index) at--;
  list.splice(at, 0, use);
  space.bySharingKey.set(use.sharingKey, list);
}

function unindexSharing(space: Space, use: IPUse): void {
  const list = space.bySharingKey.get(use.sharingKey);
  if (list === undefined) return;
  const at = list.indexOf(use);
  if (at !== -1) list.splice(at, 1);
  if (list.length === 0) space.bySharingKey.delete(use.sharingKey);
}

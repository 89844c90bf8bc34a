/**
 * A deliberately simple reference allocator for the model-based test: it
 * follows v0.9's allocator step by step (scan every address of a pool in
 * order, check sharing address by address, look pools up one by one), with
 * config order where v0.9 had Go map order. Only for small pools.
 */
import type { Claim } from '../../src/allocator/index.js';
import type { Config, Pool } from '../../src/config/index.js';
import { cidrFirst, cidrLast, type Family } from '../../src/ip/index.js';

interface ModelAllocation {
  pool: string;
  ip: string;
  claim: Claim;
}

const portKey = (p: { protocol: string; port: number }): string => `${p.protocol}/${p.port}`;
const ipText = (family: Family, value: bigint): string => `${family}/${value}`;
const buggy = (family: Family, value: bigint): boolean =>
  family === 4 && ((value & 0xffn) === 0n || (value & 0xffn) === 0xffn);

function sharingOk(existing: { sharingKey: string; backendKey: string }, claim: Claim): boolean {
  return (
    existing.sharingKey !== '' &&
    claim.sharingKey !== '' &&
    existing.sharingKey === claim.sharingKey &&
    existing.backendKey === claim.backendKey
  );
}

export class ModelAllocator {
  pools: Pool[] = [];
  readonly allocated = new Map<string, ModelAllocation>();
  private readonly keyForIP = new Map<string, { sharingKey: string; backendKey: string }>();
  private readonly portsInUse = new Map<string, Map<string, string>>();
  private readonly servicesOnIP = new Map<string, Set<string>>();

  private poolFor(pools: Pool[], family: Family, value: bigint): string | undefined {
    for (const pool of pools) {
      if (pool.avoidBuggyIps && buggy(family, value)) continue;
      for (const cidr of pool.cidrs) {
        if (
          cidr.family === family &&
          cidrFirst(cidr).value <= value &&
          value <= cidrLast(cidr).value
        ) {
          return pool.name;
        }
      }
    }
    return undefined;
  }

  setPools(config: Config): boolean {
    const pools = [...config.pools];
    for (const allocation of this.allocated.values()) {
      const [family, value] = parse(allocation.ip);
      if (this.poolFor(pools, family, value) === undefined) return false;
    }
    this.pools = pools;
    for (const allocation of this.allocated.values()) {
      const [family, value] = parse(allocation.ip);
      allocation.pool = this.poolFor(pools, family, value) ?? '';
    }
    return true;
  }

  private checkSharing(service: string, ip: string, claim: Claim): boolean {
    const existing = this.keyForIP.get(ip);
    if (existing === undefined) return true;
    if (!sharingOk(existing, claim)) {
      const others = [...(this.servicesOnIP.get(ip) ?? [])].filter((s) => s !== service);
      if (others.length > 0) return false;
    }
    for (const port of claim.ports) {
      const holder = this.portsInUse.get(ip)?.get(portKey(port));
      if (holder !== undefined && holder !== service) return false;
    }
    return true;
  }

  assign(service: string, family: Family, value: bigint, claim: Claim): string | null {
    const pool = this.poolFor(this.pools, family, value);
    const ip = ipText(family, value);
    if (pool === undefined || !this.checkSharing(service, ip, claim)) return null;
    this.unassign(service);
    this.allocated.set(service, { pool, ip, claim });
    this.keyForIP.set(ip, { sharingKey: claim.sharingKey, backendKey: claim.backendKey });
    const ports = this.portsInUse.get(ip) ?? new Map<string, string>();
    for (const port of claim.ports) ports.set(portKey(port), service);
    this.portsInUse.set(ip, ports);
    const services = this.servicesOnIP.get(ip) ?? new Set<string>();
    services.add(service);
    this.servicesOnIP.set(ip, services);
    return ip;
  }

  unassign(service: string): boolean {
    const allocation = this.allocated.get(service);
    if (allocation === undefined) return false;
    this.allocated.delete(service);
    const ports = this.portsInUse.get(allocation.ip);
    for (const port of allocation.claim.ports) ports?.delete(portKey(port));
    this.servicesOnIP.get(allocation.ip)?.delete(service);
    if (ports === undefined || ports.size === 0) {
      this.portsInUse.delete(allocation.ip);
      this.keyForIP.delete(allocation.ip);
    }
    if (this.servicesOnIP.get(allocation.ip)?.size === 0) this.servicesOnIP.delete(allocation.ip);
    return true;
  }

  allocateFromPool(service: string, family: Family, poolName: string, claim: Claim): string | null {
    const held = this.allocated.get(service);
    if (held !== undefined) {
      const [heldFamily, value] = parse(held.ip);
      return heldFamily === family ? this.assign(service, family, value, claim) : null;
    }
    const pool = this.pools.find((p) => p.name === poolName);
    if (pool === undefined) return null;
    for (const cidr of pool.cidrs) {
      if (cidr.family !== family) continue;
      for (let value = cidrFirst(cidr).value; value <= cidrLast(cidr).value; value++) {
        if (pool.avoidBuggyIps && buggy(family, value)) continue;
        if (!this.checkSharing(service, ipText(family, value), claim)) continue;
        return this.assign(service, family, value, claim);
      }
    }
    return null;
  }

  allocate(service: string, family: Family, claim: Claim): string | null {
    const held = this.allocated.get(service);
    if (held !== undefined) {
      // v0.9's Allocate re-asserted a held address of either family; ours refuses
      // the wrong family, as AllocateFromPool always did (the controller clears
      // such an address before it gets here).
      const [heldFamily, value] = parse(held.ip);
      return heldFamily === family ? this.assign(service, family, value, claim) : null;
    }
    for (const pool of this.pools) {
      if (!pool.autoAssign) continue;
      const ip = this.allocateFromPool(service, family, pool.name, claim);
      if (ip !== null) return ip;
    }
    return null;
  }
}

function parse(ip: string): [Family, bigint] {
  const [family, value] = ip.split('/');
  return [Number(family) as Family, BigInt(value ?? '0')];
}

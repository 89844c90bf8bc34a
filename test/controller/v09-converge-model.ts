/**
 * A deliberately plain model of v0.9.6's controller converging one Service
 * (controller/service.go convergeBalancer and allocateIP, once synced),
 * step by step over text as v0.9 compared it: addresses are Go readings
 * (test/service/go-readings.ts), pools are written-out address lists. The
 * model says what v0.9 ends with: the status it leaves, the Events it
 * records, and whether it gave the held address up and took the same one
 * back.
 */
import { goReading, type GoReading } from '../service/go-readings.js';

/**
 * One pool, its addresses in v0.9's order (CIDR order, then ascending), as
 * IP.String() prints them (the IPv6 ones have a colon).
 */
export interface ModelPool {
  readonly name: string;
  readonly autoAssign: boolean;
  readonly addresses: readonly string[];
}

/** The Service fields convergeBalancer reads. */
export interface ModelService {
  readonly type: string;
  readonly clusterIP: string;
  readonly loadBalancerIP: string;
  /** Annotation `metallb.universe.tf/address-pool`, or empty. */
  readonly pool: string;
  readonly ingress: readonly string[];
}

export interface ModelOutcome {
  /** `status.loadBalancer.ingress[].ip` after the sync (written when it differs). */
  readonly status: readonly string[];
  readonly events: readonly ('IPAllocated' | 'AllocationFailed')[];
  /**
   * The held address was given up only because `spec.loadBalancerIP`
   * spelled it differently, and allocateIP took the same address back.
   */
  readonly reassignedSameAddress: boolean;
}

/**
 * v0.9's controller once synced, Service after Service: its allocator
 * reduced to which Service holds which address (Go's ip.String() keys),
 * with no sharing annotation, so an address has at most one holder.
 */
export class ModelController {
  private readonly holders = new Map<string, string>();

  constructor(private readonly pools: readonly ModelPool[]) {}

  converge(key: string, svc: ModelService): ModelOutcome {
    const done = (
      status: readonly string[],
      events: ModelOutcome['events'] = [],
      reassignedSameAddress = false,
    ): ModelOutcome => ({ status, events, reassignedSameAddress });

    // Not a LoadBalancer, or no clusterIP to take a family from: clearServiceState.
    const clusterIP = goReading(svc.clusterIP);
    if (svc.type !== 'LoadBalancer' || clusterIP === null) {
      this.unassign(key);
      return done([]);
    }

    // The held address: exactly one ingress that parses, of the clusterIP's family.
    let lbIP: GoReading | null = null;
    if (svc.ingress.length === 1) lbIP = goReading(svc.ingress[0] ?? '');
    if (lbIP !== null && lbIP.ipv6 !== clusterIP.ipv6) lbIP = null;
    if (lbIP === null) this.unassign(key);
    // Assign fails outside every pool or on another's address; the pool annotation may ask for another pool.
    if (lbIP !== null && !this.assign(key, lbIP)) lbIP = this.unassign(key);
    if (lbIP !== null && svc.pool !== '' && this.poolOf(lbIP)?.name !== svc.pool) {
      lbIP = this.unassign(key);
    }

    // `svc.Spec.LoadBalancerIP != lbIP.String()`: text against text (a nil IP prints "<nil>").
    const heldBeforeRequest = lbIP;
    if (svc.loadBalancerIP !== '' && svc.loadBalancerIP !== (lbIP?.text ?? '<nil>')) {
      lbIP = this.unassign(key);
    }
    if (lbIP !== null) return done([lbIP.text]);

    // allocateIP; every path here went through clearServiceState.
    const allocated = this.allocateIP(key, svc, clusterIP.ipv6);
    if (allocated === null) return done([], ['AllocationFailed']);
    const same = heldBeforeRequest !== null && heldBeforeRequest.text === allocated.text;
    return done([allocated.text], ['IPAllocated'], same);
  }

  private poolOf(ip: GoReading): ModelPool | undefined {
    return this.pools.find((p) => p.addresses.includes(ip.text));
  }

  /** Allocator.Assign without sharing: in a pool, and nobody else's. */
  private assign(key: string, ip: GoReading): boolean {
    const holder = this.holders.get(ip.text);
    if (this.poolOf(ip) === undefined || (holder !== undefined && holder !== key)) return false;
    this.unassign(key);
    this.holders.set(ip.text, key);
    return true;
  }

  /** Allocator.Unassign; null, for `lbIP = nil` beside it. */
  private unassign(key: string): null {
    for (const [ip, holder] of this.holders) if (holder === key) this.holders.delete(ip);
    return null;
  }

  private allocateIP(key: string, svc: ModelService, ipv6: boolean): GoReading | null {
    // AllocateFromPool: the pool's first address of the family that Assign takes.
    const fromPool = (pool: ModelPool | undefined): GoReading | null => {
      for (const text of pool?.addresses ?? []) {
        if (text.includes(':') === ipv6 && this.assign(key, { ipv6, text })) return { ipv6, text };
      }
      return null;
    };
    if (svc.loadBalancerIP !== '') {
      const wanted = goReading(svc.loadBalancerIP);
      if (wanted === null || wanted.ipv6 !== ipv6) return null;
      return this.assign(key, wanted) ? wanted : null;
    }
    if (svc.pool !== '') return fromPool(this.pools.find((p) => p.name === svc.pool));
    // v0.9 walks its pools in Go map order; the tests' pools leave one auto-assign pool per family.
    for (const pool of this.pools.filter((p) => p.autoAssign)) {
      const ip = fromPool(pool);
      if (ip !== null) return ip;
    }
    return null;
  }
}

/** One Service converged by a v0.9 controller that holds nothing else. */
export function modelConverge(pools: readonly ModelPool[], svc: ModelService): ModelOutcome {
  return new ModelController(pools).converge('web', svc);
}

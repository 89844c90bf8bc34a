/**
 * A deliberately plain model of v0.9.6's controller converging one Service
 * (controller/service.go convergeBalancer and allocateIP, once synced),
 * step by step over text as v0.9 compared it: addresses are Go readings
 * (test/service/go-readings.ts), pools are written-out address lists, and
 * the allocator holds nothing but this Service. The model says what v0.9
 * ends with: the status it leaves, the Events it records, and whether it
 * gave the held address up and took the same one back.
 */
import { goReading, type GoReading } from '../service/go-readings.js';

/** One pool, its addresses in v0.9's order (CIDR order, then ascending), as IP.String() prints them (IPv6 ones have a colon). */
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

export function modelConverge(pools: readonly ModelPool[], svc: ModelService): ModelOutcome {
  const done = (
    status: readonly string[],
    events: ModelOutcome['events'] = [],
    reassignedSameAddress = false,
  ): ModelOutcome => ({ status, events, reassignedSameAddress });
  const poolOf = (ip: GoReading): ModelPool | undefined =>
    pools.find((p) => p.addresses.includes(ip.text));

  // Not a LoadBalancer, or no clusterIP to take a family from: clearServiceState.
  if (svc.type !== 'LoadBalancer') return done([]);
  const clusterIP = goReading(svc.clusterIP);
  if (clusterIP === null) return done([]);

  // The held address: exactly one ingress that parses, of the clusterIP's family.
  let lbIP: GoReading | null = null;
  if (svc.ingress.length === 1) lbIP = goReading(svc.ingress[0] ?? '');
  if (lbIP !== null && lbIP.ipv6 !== clusterIP.ipv6) lbIP = null;
  // Assign fails outside every pool; the pool annotation may ask for another pool.
  if (lbIP !== null && poolOf(lbIP) === undefined) lbIP = null;
  if (lbIP !== null && svc.pool !== '' && poolOf(lbIP)?.name !== svc.pool) lbIP = null;

  // `svc.Spec.LoadBalancerIP != lbIP.String()`: text against text (a nil IP prints "<nil>").
  const heldBeforeRequest = lbIP;
  if (svc.loadBalancerIP !== '' && svc.loadBalancerIP !== (lbIP?.text ?? '<nil>')) lbIP = null;
  if (lbIP !== null) return done([lbIP.text]);

  // allocateIP; every path here went through clearServiceState.
  const allocated = allocateIP(pools, svc, clusterIP.ipv6, poolOf);
  if (allocated === null) return done([], ['AllocationFailed']);
  const same = heldBeforeRequest !== null && heldBeforeRequest.text === allocated.text;
  return done([allocated.text], ['IPAllocated'], same);
}

function allocateIP(
  pools: readonly ModelPool[],
  svc: ModelService,
  ipv6: boolean,
  poolOf: (ip: GoReading) => ModelPool | undefined,
): GoReading | null {
  // The first address of the family: as a pool holds only one Service here, it is free.
  const ofFamily = (pool: ModelPool | undefined): GoReading | null => {
    const text = pool?.addresses.find((a) => a.includes(':') === ipv6);
    return text === undefined ? null : { ipv6, text };
  };
  if (svc.loadBalancerIP !== '') {
    const wanted = goReading(svc.loadBalancerIP);
    if (wanted === null || wanted.ipv6 !== ipv6 || poolOf(wanted) === undefined) return null;
    return wanted;
  }
  if (svc.pool !== '') return ofFamily(pools.find((p) => p.name === svc.pool));
  // v0.9 walks its pools in Go map order; the tests' pools leave one auto-assign pool per family.
  for (const pool of pools.filter((p) => p.autoAssign)) {
    const ip = ofFamily(pool);
    if (ip !== null) return ip;
  }
  return null;
}

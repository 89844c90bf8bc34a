/**
 * Plain data the allocator works on: no Kubernetes types. A Service is its
 * key `namespace/name` plus what decides whether it may share an address.
 */

/** One port of a Service: protocol (TCP, UDP, SCTP) and number. */
export interface Port {
  readonly protocol: string;
  readonly port: number;
}

/**
 * What a Service brings to an address, for the v0.9 sharing rules: Services
 * share an IP only with the same non-empty sharing key (annotation
 * `metallb.universe.tf/allow-shared-ip`), the same backend key (their
 * selector, when `externalTrafficPolicy: Local`; empty otherwise) and
 * ports that do not collide.
 */
export interface Claim {
  readonly ports: readonly Port[];
  readonly sharingKey: string;
  readonly backendKey: string;
  /**
   * The balancer class of a Service of a class (docs/SCALEOUT.md); absent
   * for a v0.9 Service. A class's addresses go only to claims of the class,
   * and such a claim takes addresses of its class only.
   */
  readonly balancerClass?: string;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Figures per pool, for the `metallb_allocator_*` metrics. */
export interface PoolStats {
  /** Addresses the pool may hand out (avoid-buggy-ips applied), exact. */
  readonly capacity: bigint;
  /** Distinct addresses held by at least one Service. */
  readonly addressesInUse: number;
  /** Services holding an address of the pool; a Service of a class counts once, however many it holds. */
  readonly servicesAllocated: number;
}

/** A Service's IP that a new config would leave outside every pool (and every class). */
export interface Orphan {
  /** `namespace/name` (for a Service of a class, whichever of its addresses it is). */
  readonly service: string;
  readonly ip: string;
}

/**
 * What the controller asks of the allocator for a Service: the plain
 * request that `convergeService` works on. The fields and their meaning are
 * v0.9's (its allocation helpers for ports and keys, and the controller).
 */
import type { Claim, Port } from '../allocator/index.js';
import {
  BALANCER_CLASS_ANNOTATION,
  IP_COUNT_ANNOTATION,
  LOAD_BALANCER_IPS_ANNOTATION,
  POOL_ANNOTATION,
  SHARING_ANNOTATION,
} from './annotations.js';
import type { BalancerFields } from './balancer-class.js';
import { ingressOf, serviceKey, type ServiceObject } from './object.js';

/** What converging one Service needs to know about it. */
export interface ServiceRequest {
  /** `namespace/name`. */
  readonly key: string;
  readonly isLoadBalancer: boolean;
  /** `spec.clusterIP`: its family is the Service's. */
  readonly clusterIP: string;
  /** `spec.loadBalancerIP`, or empty. */
  readonly loadBalancerIP: string;
  /** Annotation `metallb.universe.tf/address-pool`, or empty. */
  readonly pool: string;
  readonly claim: Claim;
  /** `status.loadBalancer.ingress[].ip`: what the Service holds now. */
  readonly ingress: readonly string[];
  /** What it says about balancer classes; a Service of none follows v0.9's rules. */
  readonly balancer: BalancerFields;
}

/**
 * v0.9's backend key: with `externalTrafficPolicy: Local`, the selector as
 * Kubernetes prints a label set (keys sorted, `k=v` joined by commas);
 * otherwise empty, so any backends may share.
 */
export function backendKey(service: ServiceObject): string {
  if (service.spec?.externalTrafficPolicy !== 'Local') return '';
  return Object.entries(service.spec.selector ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** The ports, sharing key and backend key by which v0.9 lets Services share an address. */
export function claimOf(service: ServiceObject): Claim {
  const ports: Port[] = (service.spec?.ports ?? []).map((p) => ({
    // The API server defaults the protocol to TCP; a manifest may leave it out.
    protocol: p.protocol ?? 'TCP',
    port: p.port ?? 0,
  }));
  return {
    ports,
    sharingKey: service.metadata?.annotations?.[SHARING_ANNOTATION] ?? '',
    backendKey: backendKey(service),
  };
}

export function serviceRequest(service: ServiceObject): ServiceRequest {
  const annotations = service.metadata?.annotations ?? {};
  return {
    key: serviceKey(service),
    isLoadBalancer: service.spec?.type === 'LoadBalancer',
    clusterIP: service.spec?.clusterIP ?? '',
    loadBalancerIP: service.spec?.loadBalancerIP ?? '',
    pool: annotations[POOL_ANNOTATION] ?? '',
    claim: claimOf(service),
    ingress: ingressOf(service),
    balancer: {
      loadBalancerClass: service.spec?.loadBalancerClass ?? '',
      classAnnotation: annotations[BALANCER_CLASS_ANNOTATION] ?? null,
      ipCount: annotations[IP_COUNT_ANNOTATION] ?? null,
      loadBalancerIPs: annotations[LOAD_BALANCER_IPS_ANNOTATION] ?? null,
    },
  };
}

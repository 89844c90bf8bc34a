/**
 * A Kubernetes Service as metallb-ts reads it, and its translation into the
 * plain request that converge.ts works on. The fields and their meaning are
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
import type { Service } from '../k8s/index.js';
import type { ServiceRequest } from './converge.js';

export { POOL_ANNOTATION, SHARING_ANNOTATION };

/** The parts of a core/v1 Service that address assignment depends on. */
export interface ServiceObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: {
    readonly type?: string;
    readonly clusterIP?: string;
    readonly loadBalancerIP?: string;
    readonly loadBalancerClass?: string;
    readonly externalTrafficPolicy?: string;
    readonly selector?: Readonly<Record<string, string>>;
    readonly ports?: readonly { readonly protocol?: string; readonly port?: number }[];
  };
  readonly status?: {
    readonly loadBalancer?: { readonly ingress?: readonly { readonly ip?: string }[] };
  };
}

/** `namespace/name`; a missing namespace is `default`, as the API server fills it in. */
export function serviceKey(service: ServiceObject): string {
  return `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
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
    ingress: (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? ''),
    balancer: {
      loadBalancerClass: service.spec?.loadBalancerClass ?? '',
      classAnnotation: annotations[BALANCER_CLASS_ANNOTATION] ?? null,
      ipCount: annotations[IP_COUNT_ANNOTATION] ?? null,
      loadBalancerIPs: annotations[LOAD_BALANCER_IPS_ANNOTATION] ?? null,
    },
  };
}

/**
 * What the controller keeps of a Service in its informer's cache: the fields
 * above, plus the uid (Events name it) and the resourceVersion (the status
 * write's precondition). The rest, managedFields above all, is dropped as it
 * arrives, as client-go controllers do with an informer transform: at
 * 10,000 Services the cache is most of the controller's heap.
 */
export function slimService(service: Service): Service {
  const { metadata, spec, status } = service;
  const ingress = status?.loadBalancer?.ingress;
  return {
    metadata: {
      name: metadata?.name,
      namespace: metadata?.namespace,
      uid: metadata?.uid,
      resourceVersion: metadata?.resourceVersion,
      annotations: metadata?.annotations,
    },
    spec: {
      type: spec?.type,
      clusterIP: spec?.clusterIP,
      loadBalancerIP: spec?.loadBalancerIP,
      loadBalancerClass: spec?.loadBalancerClass,
      externalTrafficPolicy: spec?.externalTrafficPolicy,
      selector: spec?.selector,
      ports: spec?.ports?.map((p) => ({ protocol: p.protocol, port: p.port })),
    },
    ...(ingress === undefined
      ? {}
      : { status: { loadBalancer: { ingress: ingress.map((i) => ({ ip: i.ip })) } } }),
  };
}

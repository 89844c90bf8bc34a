/**
 * What the speaker reads of a Service to decide whether this node announces
 * it (v0.9 speaker/main.go handleService).
 */
import { BALANCER_CLASS_ANNOTATION } from './annotations.js';
import { balancerChoice, type BalancerChoice } from './balancer-class.js';
import { ingressOf, serviceKey, type ServiceObject } from './object.js';

/** The parts of a Service the speaker's decision depends on. */
export interface ServiceFacts {
  /** `namespace/name`: also what the layer 2 election hashes. */
  readonly key: string;
  readonly isLoadBalancer: boolean;
  /** `status.loadBalancer.ingress[].ip`, as written by the controller. */
  readonly ingress: readonly string[];
  /** `Cluster` (the API server's default) or `Local`. */
  readonly externalTrafficPolicy: string;
  /** Its balancer class (docs/SCALEOUT.md); `none` for a v0.9 Service. */
  readonly class: BalancerChoice;
}

export function serviceFacts(service: ServiceObject): ServiceFacts {
  return {
    key: serviceKey(service),
    isLoadBalancer: service.spec?.type === 'LoadBalancer',
    ingress: ingressOf(service),
    externalTrafficPolicy: service.spec?.externalTrafficPolicy ?? 'Cluster',
    class: balancerChoice({
      loadBalancerClass: service.spec?.loadBalancerClass ?? '',
      classAnnotation: service.metadata?.annotations?.[BALANCER_CLASS_ANNOTATION] ?? null,
    }),
  };
}

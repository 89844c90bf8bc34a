/**
 * Which balancer class a Service opts into (docs/SCALEOUT.md, "A Service of
 * a class"): the one reading both daemons share, so the controller and the
 * speakers agree on every Service.
 */
import { BALANCER_CLASS_ANNOTATION, BALANCER_CLASS_PREFIX } from './annotations.js';

/** The two places a Service names its class, as written. */
export interface ClassFields {
  /** `spec.loadBalancerClass`, or empty. */
  readonly loadBalancerClass: string;
  /** Annotation `metallb-ts.io/balancer-class`, or null when absent. */
  readonly classAnnotation: string | null;
}

/** The Service's class-related fields, as written. */
export interface BalancerFields extends ClassFields {
  /** Annotation `metallb-ts.io/ip-count`, or null when absent. */
  readonly ipCount: string | null;
  /** Annotation `metallb-ts.io/load-balancer-ips`, or null when absent. */
  readonly loadBalancerIPs: string | null;
}

export type BalancerChoice =
  /** Of no class: v0.9's rules, one address. */
  | { readonly kind: 'none' }
  /** `spec.loadBalancerClass` of another implementation: not ours to touch. */
  | { readonly kind: 'foreign'; readonly loadBalancerClass: string }
  | { readonly kind: 'class'; readonly className: string }
  /** It means a class of ours but not clearly which one. */
  | { readonly kind: 'invalid'; readonly error: string };

/**
 * Which class, if any, the Service opts into: the annotation as written,
 * an empty one meaning none.
 */
export function balancerChoice(fields: ClassFields): BalancerChoice {
  const { loadBalancerClass, classAnnotation } = fields;
  if (loadBalancerClass !== '') {
    if (!loadBalancerClass.startsWith(BALANCER_CLASS_PREFIX)) {
      return { kind: 'foreign', loadBalancerClass };
    }
    const name = loadBalancerClass.slice(BALANCER_CLASS_PREFIX.length);
    if (classAnnotation !== null && classAnnotation !== name) {
      return {
        kind: 'invalid',
        error: `spec.loadBalancerClass names class ${JSON.stringify(name)} but annotation ${BALANCER_CLASS_ANNOTATION} names ${JSON.stringify(classAnnotation)}: they must name the same class`,
      };
    }
    return { kind: 'class', className: name };
  }
  if (classAnnotation !== null && classAnnotation !== '') {
    return { kind: 'class', className: classAnnotation };
  }
  return { kind: 'none' };
}

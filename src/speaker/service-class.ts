/**
 * Which balancer class a Service belongs to (docs/SCALEOUT.md, "A Service of
 * a class"), read from `spec.loadBalancerClass` or the annotation.
 */

/** The prefix of the `spec.loadBalancerClass` values that are ours. */
export const CLASS_PREFIX = 'metallb-ts.io/';
/** The annotation naming a Service's class, for clusters or manifests without the field. */
export const CLASS_ANNOTATION = 'metallb-ts.io/balancer-class';

export type ServiceClass =
  /** A plain v0.9 Service. */
  | { readonly kind: 'none' }
  /** A Service of the named balancer class (which may not exist in the config). */
  | { readonly kind: 'ours'; readonly name: string }
  /** The field and the annotation name different classes: nothing is announced. */
  | { readonly kind: 'conflict'; readonly detail: string }
  /** Another implementation's `loadBalancerClass`: not ours to announce. */
  | { readonly kind: 'foreign'; readonly loadBalancerClass: string };

export function serviceClass(
  loadBalancerClass: string | undefined,
  annotations: Readonly<Record<string, string>> | undefined,
): ServiceClass {
  const annotated = annotations?.[CLASS_ANNOTATION];
  if (loadBalancerClass !== undefined && loadBalancerClass !== '') {
    if (!loadBalancerClass.startsWith(CLASS_PREFIX)) return { kind: 'foreign', loadBalancerClass };
    const name = loadBalancerClass.slice(CLASS_PREFIX.length);
    if (annotated !== undefined && annotated !== name)
      return {
        kind: 'conflict',
        detail: `spec.loadBalancerClass names ${name}, the annotation ${CLASS_ANNOTATION} ${annotated}`,
      };
    return { kind: 'ours', name };
  }
  if (annotated !== undefined && annotated !== '') return { kind: 'ours', name: annotated };
  return { kind: 'none' };
}

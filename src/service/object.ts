/**
 * A Kubernetes Service as metallb-ts reads it: the fields either daemon
 * depends on, its key, and the slim copy the controller caches. Structural
 * (no Kubernetes client types), so pure code (`plan`, `migrate`) reads
 * Services from files the same way the daemons read them from the API.
 */

/** The parts of a core/v1 Service that metallb-ts reads. */
export interface ServiceObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    /** Events name it. */
    readonly uid?: string;
    /** The status write's precondition. */
    readonly resourceVersion?: string;
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

/**
 * `namespace/name`; a missing namespace is `default`, as the API server
 * fills it in. A Service's Endpoints carry its name, so they share its key.
 */
export function serviceKey(object: {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}): string {
  return `${object.metadata?.namespace ?? 'default'}/${object.metadata?.name ?? ''}`;
}

/** The namespace and name a `serviceKey` was made of (neither can contain a `/`). */
export function keyParts(key: string): { readonly namespace: string; readonly name: string } {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name };
}

/** `status.loadBalancer.ingress[].ip`: the addresses the Service holds now. */
export function ingressOf(service: ServiceObject): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
}

/**
 * What the controller keeps of a Service in its informer's cache: the fields
 * above and nothing else. The rest, managedFields above all, is dropped as it
 * arrives, as client-go controllers do with an informer transform: at
 * 10,000 Services the cache is most of the controller's heap.
 */
export function slimService(service: ServiceObject): ServiceObject {
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

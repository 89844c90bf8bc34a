/**
 * Helpers for the tests of Services of a balancer class: Configs with
 * classes (built from a v0.9 config text until the `balancer-classes` key
 * is read by the config package) and Service requests.
 */
import type { BalancerClass, Config } from '../../src/config/index.js';
import { parseConfig } from '../../src/config/index.js';
import {
  serviceRequest,
  type ServiceObject,
  type ServiceRequest,
} from '../../src/service/index.js';

/**
 * Parses `text` (a v0.9 config) and turns the pools named in `classes` into
 * balancer classes of the same name, with auto-assign off as
 * types.ts says a class's pool has.
 */
export function configWithClasses(text: string, classes: Readonly<Record<string, number>>): Config {
  const parsed = parseConfig(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const balancerClasses: BalancerClass[] = [];
  for (const [name, ipsPerService] of Object.entries(classes)) {
    const pool = parsed.config.pools.find((p) => p.name === name);
    if (pool === undefined) throw new Error(`no pool ${name} to make a class of`);
    balancerClasses.push({
      name,
      pool: { ...pool, autoAssign: false },
      nodeSelectors: [],
      ipsPerService,
    });
  }
  return {
    ...parsed.config,
    pools: parsed.config.pools.filter((p) => !(p.name in classes)),
    balancerClasses,
  };
}

export interface ServiceSpec {
  /** Held addresses, the status's ingress in order. */
  ingress?: readonly string[];
  type?: string;
  clusterIP?: string;
  /** `spec.loadBalancerClass` as written. */
  lbClass?: string;
  /** Annotation metallb-ts.io/balancer-class. */
  classAnnotation?: string;
  ipCount?: string;
  lbIPs?: string;
  loadBalancerIP?: string;
  pool?: string;
  share?: string;
  ports?: readonly number[];
}

export function serviceObject(name: string, spec: ServiceSpec = {}): ServiceObject {
  const annotations: Record<string, string> = {};
  if (spec.classAnnotation !== undefined)
    annotations['metallb-ts.io/balancer-class'] = spec.classAnnotation;
  if (spec.ipCount !== undefined) annotations['metallb-ts.io/ip-count'] = spec.ipCount;
  if (spec.lbIPs !== undefined) annotations['metallb-ts.io/load-balancer-ips'] = spec.lbIPs;
  if (spec.pool !== undefined) annotations['metallb.universe.tf/address-pool'] = spec.pool;
  if (spec.share !== undefined) annotations['metallb.universe.tf/allow-shared-ip'] = spec.share;
  return {
    metadata: { namespace: 'ns', name, annotations },
    spec: {
      type: spec.type ?? 'LoadBalancer',
      clusterIP: spec.clusterIP ?? '10.96.0.1',
      ...(spec.lbClass === undefined ? {} : { loadBalancerClass: spec.lbClass }),
      ...(spec.loadBalancerIP === undefined ? {} : { loadBalancerIP: spec.loadBalancerIP }),
      ports: (spec.ports ?? [80]).map((port) => ({ port, protocol: 'TCP' })),
    },
    status: { loadBalancer: { ingress: (spec.ingress ?? []).map((ip) => ({ ip })) } },
  };
}

export function service(name: string, spec: ServiceSpec = {}): ServiceRequest {
  return serviceRequest(serviceObject(name, spec));
}

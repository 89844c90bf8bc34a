/**
 * Where a Service's ready endpoints run, read from its Endpoints object as
 * v0.9 does, or from its EndpointSlices when the cluster no longer writes
 * Endpoints (they are deprecated since Kubernetes 1.33). Only what the
 * announcement rules need: the nodes with a ready endpoint, in the order
 * the object lists them, and whether any ready endpoint exists at all.
 */
import type { EndpointSlice, Endpoints } from '../k8s/index.js';

export interface ReadyEndpoints {
  /**
   * Nodes hosting at least one ready endpoint, each once, in the object's order (v0.9's
   * layer 2 usableNodes: an address listed as ready counts, whatever else is listed).
   */
  readonly nodes: readonly string[];
  /** Any ready endpoint, with or without a node name. */
  readonly anyReady: boolean;
  /**
   * What BGP reads (v0.9.6 speaker/bgp_controller.go nodeHasHealthyEndpoint and
   * healthyEndpointExists): the same, less every IP that is also listed as not ready, in
   * any subset and on any node. Absent when no IP is listed both ways: then it is
   * `nodes` and `anyReady`.
   */
  readonly healthy?: HealthyEndpoints;
}

/** The ready endpoints that no not-ready listing of the same IP overrides. */
export interface HealthyEndpoints {
  /** Nodes with such an endpoint (v0.9 nodeHasHealthyEndpoint is true for them). */
  readonly nodes: readonly string[];
  /** Any such endpoint (v0.9 healthyEndpointExists). */
  readonly any: boolean;
}

export const NO_ENDPOINTS: ReadyEndpoints = { nodes: [], anyReady: false };

/** The endpoints BGP counts: `healthy` when present, else the ready ones. */
export function healthyEndpoints(endpoints: ReadyEndpoints): HealthyEndpoints {
  return endpoints.healthy ?? { nodes: endpoints.nodes, any: endpoints.anyReady };
}

/** One listed address: its IP, its node, and whether it was listed as ready. */
interface Listed {
  readonly ip: string;
  readonly nodeName: string | undefined;
  readonly ready: boolean;
}

/** v0.9: the `addresses` of every subset are the ready ones, `notReadyAddresses` the others. */
export function fromEndpoints(endpoints: Endpoints): ReadyEndpoints {
  const listed: Listed[] = [];
  for (const subset of endpoints.subsets ?? []) {
    for (const address of subset.addresses ?? [])
      listed.push({ ip: address.ip, nodeName: address.nodeName, ready: true });
    for (const address of subset.notReadyAddresses ?? [])
      listed.push({ ip: address.ip, nodeName: address.nodeName, ready: false });
  }
  return readyFrom(listed);
}

/**
 * The same from EndpointSlices: an endpoint is ready unless its `ready` condition is false
 * (the API says an unset condition means ready), which is what puts a Pod in an Endpoints
 * object's `addresses` rather than its `notReadyAddresses`
 * (https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#conditions).
 * Each of an endpoint's addresses is one listing, as each IP is in an Endpoints subset.
 */
export function fromSlices(slices: Iterable<EndpointSlice>): ReadyEndpoints {
  const listed: Listed[] = [];
  for (const slice of slices) {
    // `endpoints` can be null or absent on a slice with no endpoints (a nil
    // Go slice is written as null; client-node 2 types the field optional).
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready !== false;
      for (const ip of endpoint.addresses ?? [])
        listed.push({ ip, nodeName: endpoint.nodeName, ready });
    }
  }
  return readyFrom(listed);
}

function readyFrom(listed: readonly Listed[]): ReadyEndpoints {
  const nodes = new Set<string>();
  const healthyNodes = new Set<string>();
  let anyReady = false;
  let anyHealthy = false;
  // v0.9 keys readiness by IP: a not-ready listing wins over every ready one, whatever the order.
  const notReady = new Set(listed.filter((l) => !l.ready).map((l) => l.ip));
  let overridden = false;
  for (const { ip, nodeName, ready } of listed) {
    if (!ready) continue;
    anyReady = true;
    if (nodeName) nodes.add(nodeName);
    if (notReady.has(ip)) {
      overridden = true;
      continue;
    }
    anyHealthy = true;
    if (nodeName) healthyNodes.add(nodeName);
  }
  const ready = { nodes: [...nodes], anyReady };
  return overridden ? { ...ready, healthy: { nodes: [...healthyNodes], any: anyHealthy } } : ready;
}

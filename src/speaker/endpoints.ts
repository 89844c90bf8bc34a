/**
 * Where a Service's ready endpoints run, read from its Endpoints object as
 * v0.9 does, or from its EndpointSlices when the cluster no longer writes
 * Endpoints (they are deprecated since Kubernetes 1.33). Only what the
 * announcement rules need: the nodes with a ready endpoint, in the order
 * the object lists them, and whether any ready endpoint exists at all.
 */
import type { EndpointSlice, Endpoints } from '../k8s/index.js';

export interface ReadyEndpoints {
  /** Nodes hosting at least one ready endpoint, each once, in the object's order. */
  readonly nodes: readonly string[];
  /** Any ready endpoint, with or without a node name (v0.9's `healthyEndpointExists`). */
  readonly anyReady: boolean;
}

export const NO_ENDPOINTS: ReadyEndpoints = { nodes: [], anyReady: false };

/** v0.9: the `addresses` of every subset are the ready ones; `notReadyAddresses` never count. */
export function fromEndpoints(endpoints: Endpoints): ReadyEndpoints {
  const nodes = new Set<string>();
  let anyReady = false;
  for (const subset of endpoints.subsets ?? []) {
    for (const address of subset.addresses ?? []) {
      anyReady = true;
      if (address.nodeName) nodes.add(address.nodeName);
    }
  }
  return { nodes: [...nodes], anyReady };
}

/**
 * The same from EndpointSlices: an endpoint is ready unless its `ready`
 * condition is false (the API says an unset condition means ready).
 */
export function fromSlices(slices: Iterable<EndpointSlice>): ReadyEndpoints {
  const nodes = new Set<string>();
  let anyReady = false;
  for (const slice of slices) {
    // `endpoints` can be null or absent on a slice with no endpoints (a nil
    // Go slice is written as null; client-node 2 types the field optional).
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      anyReady = true;
      if (endpoint.nodeName) nodes.add(endpoint.nodeName);
    }
  }
  return { nodes: [...nodes], anyReady };
}

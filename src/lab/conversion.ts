/**
 * Objects are stored in one version of their kind (resources.ts
 * `storageType`) and converted when a request names another, as the API
 * server converts between the stored and the requested version. The one
 * kind the lab serves at two versions is EndpointSlice; what differs
 * (deprecation guide, "discovery.k8s.io/v1beta1", and the v1 API reference):
 * v1 has per-endpoint `nodeName` and `zone` where v1beta1 has the
 * `topology` map keys `kubernetes.io/hostname` and
 * `topology.kubernetes.io/zone`; v1's `deprecatedTopology` holds the other
 * keys of that map. `conditions`, `addresses`, `targetRef` are the same.
 */
import { apiVersionOf, storageType, type ResourceType } from './resources.js';
import type { KubernetesVersion } from './versions.js';
import { isObject, type Json, type JsonObject } from './json.js';

const HOSTNAME_KEY = 'kubernetes.io/hostname';
const ZONE_KEY = 'topology.kubernetes.io/zone';
/**
 * v1beta1 Endpoints carry `nodeName` too from 1.21, when the field left its
 * alpha gate (EndpointSliceNodeName, off by default in 1.20).
 */
const V1BETA1_NODE_NAME_FROM = 21;

/** The stored object as a client of `type`'s version sees it. */
export function toServedVersion(
  type: ResourceType,
  stored: JsonObject,
  release: KubernetesVersion,
): JsonObject {
  const storage = storageType(type);
  if (storage.version === type.version) return stored;
  const served: JsonObject = { ...stored, apiVersion: apiVersionOf(type) };
  if (type.kind === 'EndpointSlice') {
    served['endpoints'] = mapEndpoints(stored['endpoints'], (e) => endpointToV1beta1(e, release));
  }
  return served;
}

/** A body written at `type`'s version, in the storage version's shape. */
export function toStorageVersion(type: ResourceType, written: JsonObject): JsonObject {
  const storage = storageType(type);
  if (storage.version === type.version) return written;
  const stored: JsonObject = { ...written, apiVersion: apiVersionOf(storage) };
  if (type.kind === 'EndpointSlice') {
    stored['endpoints'] = mapEndpoints(written['endpoints'], endpointFromV1beta1);
  }
  return stored;
}

function mapEndpoints(endpoints: Json | undefined, convert: (e: JsonObject) => JsonObject): Json {
  if (!Array.isArray(endpoints)) return endpoints ?? null;
  return endpoints.map((e) => (isObject(e) ? convert(e) : e));
}

function endpointToV1beta1(endpoint: JsonObject, release: KubernetesVersion): JsonObject {
  const { nodeName, zone, deprecatedTopology, ...rest } = endpoint;
  const topology: JsonObject = isObject(deprecatedTopology) ? { ...deprecatedTopology } : {};
  if (typeof nodeName === 'string') topology[HOSTNAME_KEY] = nodeName;
  if (typeof zone === 'string') topology[ZONE_KEY] = zone;
  return {
    ...rest,
    ...(Object.keys(topology).length > 0 ? { topology } : {}),
    ...(typeof nodeName === 'string' && release.minor >= V1BETA1_NODE_NAME_FROM
      ? { nodeName }
      : {}),
  };
}

/**
 * The hostname key is the node name when no `nodeName` is given: what the
 * endpointslice controller of 1.19 and 1.20 writes there (the lab keeps one
 * shape, so a v1beta1 writer's node is a v1 reader's node).
 */
function endpointFromV1beta1(endpoint: JsonObject): JsonObject {
  const { topology, nodeName, ...rest } = endpoint;
  const others: JsonObject = isObject(topology) ? { ...topology } : {};
  const host = others[HOSTNAME_KEY];
  const zone = others[ZONE_KEY];
  delete others[HOSTNAME_KEY];
  delete others[ZONE_KEY];
  const node = typeof nodeName === 'string' ? nodeName : typeof host === 'string' ? host : null;
  return {
    ...rest,
    ...(node === null ? {} : { nodeName: node }),
    ...(typeof zone === 'string' ? { zone } : {}),
    ...(Object.keys(others).length > 0 ? { deprecatedTopology: others } : {}),
  };
}

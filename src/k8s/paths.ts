/**
 * The REST paths of the objects metallb-ts reads and writes, in one place
 * (Kubernetes API concepts, "Resource URIs": core objects under /api/v1,
 * named groups under /apis/GROUP/VERSION; a namespaced object under
 * namespaces/NS). Names and namespaces are escaped, since they reach us
 * from objects and flags.
 */
import type { WatchedResource } from './informer.js';

const CORE = '/api/v1';

/** Every Service of the cluster. */
export const ALL_SERVICES: WatchedResource = { path: `${CORE}/services` };
/** Every Endpoints object (a Service's ready backends before EndpointSlices). */
export const ALL_ENDPOINTS: WatchedResource = { path: `${CORE}/endpoints` };
/** Every EndpointSlice (discovery.k8s.io/v1, where Endpoints are capped or gone). */
export const ALL_ENDPOINT_SLICES: WatchedResource = {
  path: '/apis/discovery.k8s.io/v1/endpointslices',
};
/** The same at discovery.k8s.io/v1beta1, on servers older than 1.21 (discovery.ts picks one). */
export const ALL_ENDPOINT_SLICES_V1BETA1: WatchedResource = {
  path: '/apis/discovery.k8s.io/v1beta1/endpointslices',
};
/** Every Node. */
export const ALL_NODES: WatchedResource = { path: `${CORE}/nodes` };

function namespaced(namespace: string, resource: string): string {
  return `${CORE}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

/** The one ConfigMap `name` in `namespace`, watched through a field selector on its name. */
export function configMapNamed(namespace: string, name: string): WatchedResource {
  return { path: namespaced(namespace, 'configmaps'), fieldSelector: `metadata.name=${name}` };
}

/** The configmaps collection of `namespace`, or one ConfigMap in it when `name` is not empty. */
export function configMapPath(namespace: string, name: string): string {
  return `${namespaced(namespace, 'configmaps')}${name === '' ? '' : `/${encodeURIComponent(name)}`}`;
}

export function servicePath(namespace: string, name: string): string {
  return `${namespaced(namespace, 'services')}/${encodeURIComponent(name)}`;
}

/** The status subresource: the only part of a Service a controller writes. */
export function serviceStatusPath(namespace: string, name: string): string {
  return `${servicePath(namespace, name)}/status`;
}

export function podsPath(namespace: string): string {
  return namespaced(namespace, 'pods');
}

/** The events collection of `namespace`, or one Event in it when `name` is not empty. */
export function eventPath(namespace: string, name: string): string {
  return `${namespaced(namespace, 'events')}${name === '' ? '' : `/${encodeURIComponent(name)}`}`;
}

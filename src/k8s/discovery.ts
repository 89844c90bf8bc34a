/**
 * What the API server serves, asked as clients do it (Kubernetes API
 * concepts, "API discovery": GET /apis/GROUP lists the group's served
 * versions, preferred first; a group the server does not serve is a 404).
 * The daemons read Services' endpoints from the newest API the server has:
 * discovery.k8s.io/v1 EndpointSlices (Kubernetes 1.21 and later), else
 * v1beta1 (1.17 to 1.24; the deprecation guide), else Endpoints alone, as
 * v0.9.6 reads them (internal/k8s/k8s.go).
 */
import {
  DEFAULT_BACKOFF,
  waitOrAbort,
  type BackoffOptions,
  type WatchedResource,
} from './informer.js';
import { ALL_ENDPOINT_SLICES, ALL_ENDPOINT_SLICES_V1BETA1 } from './paths.js';
import { statusOf, type ApiClient } from './rest.js';
import type { EndpointSlice } from './wire.js';

const DISCOVERY_GROUP = 'discovery.k8s.io';

/** The group's versions the server serves (none when the group is a 404). */
export async function servedVersions(api: ApiClient, group: string): Promise<string[]> {
  try {
    const answer = await api.request<{ versions?: { version?: string }[] }>(
      'GET',
      `/apis/${encodeURIComponent(group)}`,
    );
    return (answer.versions ?? [])
      .map((v) => v.version)
      .filter((v): v is string => typeof v === 'string');
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw error;
  }
}

/** Where to watch EndpointSlices, and how to read each as a discovery.k8s.io/v1 one. */
export interface EndpointSliceSource {
  readonly version: 'v1' | 'v1beta1';
  readonly resource: WatchedResource;
  readonly toV1: (slice: EndpointSlice) => EndpointSlice;
}

export interface DiscoveryRetry {
  /** Ends the retries (the daemon stops). */
  readonly signal: AbortSignal;
  readonly backoff?: BackoffOptions;
  readonly failed: (error: unknown, retryInMs: number) => void;
}

/**
 * The EndpointSlice API the server serves, or null when it serves none
 * (Endpoints only). Asks until the server answers, backing off as the
 * informers do; undefined when `retry.signal` aborts first.
 */
export async function endpointSliceSource(
  api: ApiClient,
  retry: DiscoveryRetry,
): Promise<EndpointSliceSource | null | undefined> {
  const { initialMs, maxMs } = retry.backoff ?? DEFAULT_BACKOFF;
  let delay = initialMs;
  while (!retry.signal.aborted) {
    try {
      return sourceFor(await servedVersions(api, DISCOVERY_GROUP));
    } catch (error) {
      retry.failed(error, delay);
      await waitOrAbort(delay, retry.signal);
      delay = Math.min(delay * 2, maxMs);
    }
  }
  return undefined;
}

function sourceFor(versions: readonly string[]): EndpointSliceSource | null {
  if (versions.includes('v1'))
    return { version: 'v1', resource: ALL_ENDPOINT_SLICES, toV1: (slice) => slice };
  if (versions.includes('v1beta1'))
    return { version: 'v1beta1', resource: ALL_ENDPOINT_SLICES_V1BETA1, toV1: v1beta1ToV1 };
  return null;
}

const HOSTNAME_KEY = 'kubernetes.io/hostname';

/** A v1beta1 endpoint: its node is the `kubernetes.io/hostname` key of `topology` (nodeName only from 1.21). */
type V1beta1Endpoint = NonNullable<EndpointSlice['endpoints']>[number] & {
  readonly topology?: Readonly<Record<string, string>>;
};

/** A v1beta1 slice read as v1: `nodeName` from the topology's hostname where it is unset. */
function v1beta1ToV1(slice: EndpointSlice): EndpointSlice {
  // `endpoints` is null or absent on a slice without endpoints (a nil Go slice).
  const endpoints: readonly V1beta1Endpoint[] = slice.endpoints ?? [];
  return {
    ...slice,
    endpoints: endpoints.map(({ topology, ...endpoint }) => {
      const host = topology?.[HOSTNAME_KEY];
      return endpoint.nodeName === undefined && host !== undefined
        ? { ...endpoint, nodeName: host }
        : endpoint;
    }),
  };
}

/**
 * The kinds the lab serves, with what discovery, tables and the router need
 * to know of each (the names, scopes and short names of a real server), and
 * the releases that serve each group/version (versions.ts).
 */
export interface ResourceType {
  /** API group; '' for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The URL name: `services`. */
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Has a `status` subresource: status writes change only status, other writes never status. */
  readonly hasStatus: boolean;
  /** The first minor release (1.x) that serves this group/version; unset: every release the lab speaks. */
  readonly servedFrom?: number;
  /** The last minor release that serves it (inclusive); unset: still served. */
  readonly servedUntil?: number;
}

/** A kind of the core group (`/api/v1`). */
const core = (
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
): ResourceType => stored('', kind, plural, namespaced, shortNames, hasStatus);

const ENDPOINT_SLICE = {
  group: 'discovery.k8s.io',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  shortNames: [],
  hasStatus: false,
} as const;

const CLUSTER_RESOURCES: readonly ResourceType[] = [
  core('Namespace', 'namespaces', false, ['ns'], true),
  core('Service', 'services', true, ['svc'], true),
  core('Endpoints', 'endpoints', true, ['ep'], false),
  core('Pod', 'pods', true, ['po'], true),
  core('Node', 'nodes', false, ['no'], true),
  core('ConfigMap', 'configmaps', true, ['cm'], false),
  core('Secret', 'secrets', true, [], false),
  core('Event', 'events', true, ['ev'], false),
  core('ServiceAccount', 'serviceaccounts', true, ['sa'], false),
  // Deprecation guide: discovery.k8s.io/v1 from 1.21; v1beta1 (1.17) no
  // longer served from 1.25. One stored object, served in either shape
  // (conversion.ts); v1 is listed first: it is the storage and preferred version.
  { ...ENDPOINT_SLICE, version: 'v1', servedFrom: 21 },
  { ...ENDPOINT_SLICE, version: 'v1beta1', servedUntil: 24 },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
    shortNames: [],
    hasStatus: false,
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    namespaced: true,
    shortNames: ['ev'],
    hasStatus: false,
    // Deprecation guide: events.k8s.io/v1 is served from 1.19.
    servedFrom: 19,
  },
];

/**
 * What a MetalLB install holds besides the kinds above: the RBAC objects and
 * the workloads of its manifests. The lab stores them with the real verbs and
 * the fields the API server guards (`workloads.ts`); the RBAC objects are
 * what `rbac/` authorizes ServiceAccounts by, and its workload controllers
 * (`controllers/`, with `LabOptions.workloads`) run DaemonSets and
 * Deployments through ReplicaSets.
 * rbac.authorization.k8s.io/v1 and apps/v1 are served by every release the
 * lab speaks (since 1.8 and 1.9).
 * policy/v1beta1 PodSecurityPolicy is served up to 1.24 (below).
 */
function stored(
  group: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
): ResourceType {
  return {
    group,
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    hasStatus,
  };
}

const RBAC = 'rbac.authorization.k8s.io';

const INSTALL_RESOURCES: readonly ResourceType[] = [
  stored(RBAC, 'ClusterRole', 'clusterroles', false, [], false),
  stored(RBAC, 'ClusterRoleBinding', 'clusterrolebindings', false, [], false),
  stored(RBAC, 'Role', 'roles', true, [], false),
  stored(RBAC, 'RoleBinding', 'rolebindings', true, [], false),
  stored('apps', 'DaemonSet', 'daemonsets', true, ['ds'], true),
  stored('apps', 'Deployment', 'deployments', true, ['deploy'], true),
  stored('apps', 'ReplicaSet', 'replicasets', true, ['rs'], true),
];

/**
 * policy/v1beta1 PodSecurityPolicy, cluster-scoped, served up to 1.24 and
 * removed in 1.25 (https://kubernetes.io/docs/reference/using-api/deprecation-guide/#psp-v125).
 * The pod admission of a lab at <= 1.24 reads the stored policies
 * (`pod-security/`); discovery and the router serve the kind only there.
 */
export const POD_SECURITY_POLICIES: ResourceType = {
  group: 'policy',
  version: 'v1beta1',
  kind: 'PodSecurityPolicy',
  plural: 'podsecuritypolicies',
  singular: 'podsecuritypolicy',
  namespaced: false,
  shortNames: ['psp'],
  hasStatus: false,
  servedUntil: 24,
};

export const RESOURCES: readonly ResourceType[] = [
  ...CLUSTER_RESOURCES,
  ...INSTALL_RESOURCES,
  POD_SECURITY_POLICIES,
];

/** `v1` or `discovery.k8s.io/v1`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/**
 * The store's key for a resource, named by its storage version: every
 * version of a kind shares it, so a kind served at two versions
 * (EndpointSlice v1beta1 and v1) is one set of objects, as in etcd:
 * `/v1/services`, `discovery.k8s.io/v1/endpointslices`.
 */
export function resourceKey(type: ResourceType): string {
  return `${type.group}/${storageType(type).version}/${type.plural}`;
}

/**
 * The version objects of this resource are stored in: the first one listed
 * (objects are kept in its shape and converted for the others, conversion.ts).
 */
export function storageType(type: ResourceType): ResourceType {
  return RESOURCES.find((r) => r.group === type.group && r.plural === type.plural) ?? type;
}

export function findResource(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

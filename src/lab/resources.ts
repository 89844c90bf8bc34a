/**
 * The kinds the lab serves, with what discovery, tables and the router need
 * to know of each (the names, scopes and short names of a real 1.32 server).
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
}

const core = (
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames,
  hasStatus,
});

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
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
    shortNames: [],
    hasStatus: false,
  },
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
  },
];

/**
 * What a MetalLB install holds besides the kinds above: the RBAC objects and
 * the workloads of its manifests. The lab stores them with the real verbs and
 * the fields the API server guards (`workloads.ts`); its workload
 * controllers (`controllers/`, with `LabOptions.workloads`) run DaemonSets
 * and Deployments through ReplicaSets; no authorizer reads RBAC.
 * policy/v1beta1 PodSecurityPolicy is deliberately absent, as on every
 * server since 1.25 (the lab is a 1.32 server): kubectl reports
 * `no matches for kind "PodSecurityPolicy"` for it, as a current cluster does.
 */
const stored = (
  group: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  hasStatus: boolean,
): ResourceType => ({
  group,
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  shortNames,
  hasStatus,
});

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

export const RESOURCES: readonly ResourceType[] = [...CLUSTER_RESOURCES, ...INSTALL_RESOURCES];

/** `v1` or `discovery.k8s.io/v1`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** One key per resource type: `/v1/services`, `discovery.k8s.io/v1/endpointslices`. */
export function resourceKey(type: ResourceType): string {
  return `${type.group}/${type.version}/${type.plural}`;
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

/** The served group/versions, core first. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES)
    seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}

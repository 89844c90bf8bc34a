/**
 * The ClusterRoles and ClusterRoleBindings every cluster starts with that
 * matter to a client which is not an administrator: discovery and /version
 * for every authenticated user, as kube-apiserver's bootstrap policy creates
 * them (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go; listed in
 * https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles).
 * `cluster-admin`, bound to system:masters, is there too, for `kubectl get`
 * to show what a cluster shows; the lab's admin token passes before RBAC is
 * asked, as system:masters does.
 */
import type { JsonObject } from '../json.js';

const BOOTSTRAP_METADATA = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

/** The health and version paths, readable even before authentication. */
const PUBLIC_INFO_URLS = ['/livez', '/readyz', '/healthz', '/version', '/version/'];

const clusterRole = (name: string, rules: JsonObject[]): JsonObject => ({
  metadata: { name, ...BOOTSTRAP_METADATA },
  rules,
});

const bindingToGroups = (name: string, groups: string[]): JsonObject => ({
  metadata: { name, ...BOOTSTRAP_METADATA },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
  subjects: groups.map((group) => ({
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'Group',
    name: group,
  })),
});

export const BOOTSTRAP_CLUSTER_ROLES: readonly JsonObject[] = [
  clusterRole('cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]),
  clusterRole('system:discovery', [
    {
      nonResourceURLs: [
        ...PUBLIC_INFO_URLS,
        '/openapi',
        '/openapi/*',
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
      ],
      verbs: ['get'],
    },
  ]),
  clusterRole('system:basic-user', [
    {
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      verbs: ['create'],
    },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ]),
  clusterRole('system:public-info-viewer', [{ nonResourceURLs: PUBLIC_INFO_URLS, verbs: ['get'] }]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: readonly JsonObject[] = [
  bindingToGroups('cluster-admin', ['system:masters']),
  bindingToGroups('system:discovery', ['system:authenticated']),
  bindingToGroups('system:basic-user', ['system:authenticated']),
  bindingToGroups('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
];

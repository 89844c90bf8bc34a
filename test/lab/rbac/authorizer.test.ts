/**
 * The RBAC authorizer, case by case over one policy: each row is a user, a
 * request, and whether RBAC allows it (and why not), as
 * https://kubernetes.io/docs/reference/access-authn-authz/rbac/ defines it.
 * The policy is stored as objects and read through the lab's store adapter,
 * so the parsing of stored roles and bindings is tested with it.
 */
import { expect } from 'chai';
import { objectAt, text, type JsonObject } from '../../../src/lab/json.js';
import { authorize, requestAttributes, type UserInfo } from '../../../src/lab/rbac/index.js';
import { storePolicy } from '../../../src/lab/rbac/store-policy.js';
import { Store } from '../../../src/lab/store.js';

const RBAC = 'rbac.authorization.k8s.io';
const key = (plural: string): string => `${RBAC}/v1/${plural}`;

const rule = (
  verbs: string[],
  resources: string[],
  more: { apiGroups?: string[]; resourceNames?: string[] } = {},
): JsonObject => ({ apiGroups: more.apiGroups ?? [''], resources, verbs, ...more });

const CLUSTER_ROLES: Record<string, JsonObject[]> = {
  'svc-reader': [rule(['get', 'list', 'watch'], ['services'])],
  'status-updater': [rule(['update'], ['services/status'])],
  'any-status-patcher': [rule(['patch'], ['*/status'])],
  'config-only': [
    rule(['get', 'list', 'watch', 'update'], ['configmaps'], { resourceNames: ['config'] }),
  ],
  'apps-admin': [rule(['*'], ['*'], { apiGroups: ['apps'] })],
  'metrics-reader': [{ nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] }],
  'event-writer': [rule(['create'], ['events'])],
};
const ROLES: Record<string, JsonObject[]> = { 'pod-lister': [rule(['list'], ['pods'])] };

type SubjectSpec = { kind: string; name: string; namespace?: string };
const binding = (
  name: string,
  roleKind: string,
  role: string,
  subjects: SubjectSpec[],
  namespace?: string,
): JsonObject => ({
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
  subjects: subjects.map((s) => ({
    ...(s.kind === 'ServiceAccount' ? {} : { apiGroup: RBAC }),
    ...s,
  })),
});

function policyStore(): Store {
  const store = new Store();
  for (const [name, rules] of Object.entries(CLUSTER_ROLES))
    store.put(key('clusterroles'), '', name, { metadata: { name }, rules });
  for (const namespace of ['ms', 'other'])
    for (const [name, rules] of Object.entries(ROLES))
      store.put(key('roles'), namespace, name, { metadata: { name, namespace }, rules });
  const clusterBindings = [
    binding('status', 'ClusterRole', 'status-updater', [
      { kind: 'ServiceAccount', name: 'controller', namespace: 'ms' },
    ]),
    binding('ops', 'ClusterRole', 'any-status-patcher', [{ kind: 'Group', name: 'ops' }]),
    binding('config', 'ClusterRole', 'config-only', [{ kind: 'User', name: 'bob' }]),
    binding('apps', 'ClusterRole', 'apps-admin', [{ kind: 'User', name: 'dave' }]),
    binding('metrics', 'ClusterRole', 'metrics-reader', [
      { kind: 'Group', name: 'system:authenticated' },
    ]),
    // A ServiceAccount subject of a ClusterRoleBinding needs its namespace: this one applies to nobody.
    binding('no-namespace', 'ClusterRole', 'event-writer', [
      { kind: 'ServiceAccount', name: 'speaker' },
    ]),
    binding('dangling', 'ClusterRole', 'gone', [{ kind: 'User', name: 'erin' }]),
    // A Role cannot be bound cluster-wide.
    binding('role-at-cluster', 'Role', 'pod-lister', [{ kind: 'User', name: 'frank' }]),
  ];
  for (const b of clusterBindings)
    store.put(key('clusterrolebindings'), '', text(objectAt(b, 'metadata')['name']), b);
  const roleBindings = [
    // The manifests' form: a ServiceAccount subject without a namespace is in the binding's.
    binding(
      'pod-lister',
      'Role',
      'pod-lister',
      [{ kind: 'ServiceAccount', name: 'speaker' }],
      'ms',
    ),
    binding('readers', 'ClusterRole', 'svc-reader', [{ kind: 'User', name: 'alice' }], 'ms'),
    binding('dangling', 'Role', 'nope', [{ kind: 'User', name: 'carol' }], 'ms'),
    binding('elsewhere', 'Role', 'pod-lister', [{ kind: 'User', name: 'gina' }], 'other'),
  ];
  for (const b of roleBindings) {
    const metadata = objectAt(b, 'metadata');
    store.put(key('rolebindings'), text(metadata['namespace']), text(metadata['name']), b);
  }
  return store;
}

const serviceAccount = (name: string): UserInfo => ({
  name: `system:serviceaccount:ms:${name}`,
  groups: ['system:serviceaccounts', 'system:serviceaccounts:ms', 'system:authenticated'],
});
const person = (name: string, ...groups: string[]): UserInfo => ({
  name,
  groups: [...groups, 'system:authenticated'],
});
const USERS: Record<string, UserInfo> = {
  controller: serviceAccount('controller'),
  speaker: serviceAccount('speaker'),
  alice: person('alice'),
  bob: person('bob'),
  carol: person('carol'),
  dave: person('dave'),
  erin: person('erin'),
  frank: person('frank'),
  gina: person('gina'),
  opal: person('opal', 'ops'),
  admin: { name: 'kubernetes-admin', groups: ['system:masters'] },
  nobody: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
};

/** user, method, URL, allowed (true) or the denial's reason ('' when RBAC gives none). */
type Row = readonly [string, string, string, true | string];

const ROWS: readonly Row[] = [
  // update on services/status allows PUT there, not PATCH, and nothing on the Service itself.
  ['controller', 'PUT', '/api/v1/namespaces/default/services/web/status', true],
  ['controller', 'PATCH', '/api/v1/namespaces/default/services/web/status', ''],
  ['controller', 'PUT', '/api/v1/namespaces/default/services/web', ''],
  ['controller', 'GET', '/api/v1/services', ''],
  ['speaker', 'PUT', '/api/v1/namespaces/default/services/web/status', ''],
  // A Role through a RoleBinding: its verbs, in its namespace only.
  ['speaker', 'GET', '/api/v1/namespaces/ms/pods', true],
  ['speaker', 'GET', '/api/v1/namespaces/ms/pods?watch=true', ''],
  ['speaker', 'GET', '/api/v1/namespaces/ms/pods/speaker-a', ''],
  ['speaker', 'GET', '/api/v1/namespaces/default/pods', ''],
  ['speaker', 'GET', '/api/v1/pods', ''],
  ['speaker', 'POST', '/api/v1/namespaces/default/events', ''],
  ['gina', 'GET', '/api/v1/namespaces/other/pods', true],
  ['gina', 'GET', '/api/v1/namespaces/ms/pods', ''],
  [
    'frank',
    'GET',
    '/api/v1/namespaces/ms/pods',
    'RBAC: role.rbac.authorization.k8s.io "pod-lister" not found',
  ],
  // A ClusterRole through a RoleBinding: in the binding's namespace only.
  ['alice', 'GET', '/api/v1/namespaces/ms/services', true],
  ['alice', 'GET', '/api/v1/namespaces/ms/services/web', true],
  ['alice', 'GET', '/api/v1/namespaces/ms/services?watch=1', true],
  ['alice', 'GET', '/api/v1/watch/namespaces/ms/services', true],
  ['alice', 'DELETE', '/api/v1/namespaces/ms/services/web', ''],
  ['alice', 'GET', '/api/v1/namespaces/default/services', ''],
  ['alice', 'GET', '/api/v1/services', ''],
  ['alice', 'GET', '/api/v1/namespaces/ms/services/web/status', ''],
  ['alice', 'GET', '/apis/apps/v1/namespaces/ms/services', ''],
  // `*/status` is the status of anything, and only that.
  ['opal', 'PATCH', '/api/v1/namespaces/default/services/web/status', true],
  ['opal', 'PATCH', '/api/v1/namespaces/default/pods/p/status', true],
  ['opal', 'PATCH', '/api/v1/nodes/n1/status', true],
  ['opal', 'PATCH', '/api/v1/namespaces/default/services/web', ''],
  ['opal', 'PUT', '/api/v1/namespaces/default/services/web/status', ''],
  // resourceNames: only requests that name the object, a field selector on the name included.
  ['bob', 'GET', '/api/v1/namespaces/ms/configmaps/config', true],
  ['bob', 'PUT', '/api/v1/namespaces/default/configmaps/config', true],
  ['bob', 'GET', '/api/v1/namespaces/ms/configmaps/other', ''],
  ['bob', 'GET', '/api/v1/namespaces/ms/configmaps', ''],
  ['bob', 'GET', '/api/v1/namespaces/ms/configmaps?watch=true', ''],
  ['bob', 'GET', '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3Dconfig', true],
  [
    'bob',
    'GET',
    '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3Dconfig&watch=true',
    true,
  ],
  ['bob', 'GET', '/api/v1/namespaces/ms/configmaps?fieldSelector=metadata.name%3Dother', ''],
  ['bob', 'POST', '/api/v1/namespaces/ms/configmaps', ''],
  ['bob', 'DELETE', '/api/v1/namespaces/ms/configmaps/config', ''],
  // `*` verbs and resources within one group, subresources included.
  ['dave', 'GET', '/apis/apps/v1/deployments', true],
  ['dave', 'DELETE', '/apis/apps/v1/namespaces/x/daemonsets', true],
  ['dave', 'PATCH', '/apis/apps/v1/namespaces/x/deployments/c/status', true],
  ['dave', 'GET', '/api/v1/namespaces/x/services', ''],
  ['dave', 'GET', '/apis/discovery.k8s.io/v1/endpointslices', ''],
  // Non-resource URLs: exact, or a prefix before a trailing `*`; never through a RoleBinding.
  ['alice', 'GET', '/metrics', true],
  ['alice', 'GET', '/logs/', true],
  ['alice', 'GET', '/logs/kube/apiserver.log', true],
  ['alice', 'GET', '/logs', ''],
  ['alice', 'GET', '/metricsx', ''],
  ['alice', 'POST', '/metrics', ''],
  ['alice', 'GET', '/version', ''],
  ['nobody', 'GET', '/metrics', ''],
  // A binding to a role that does not exist grants nothing, and says so.
  [
    'carol',
    'GET',
    '/api/v1/namespaces/ms/pods',
    'RBAC: role.rbac.authorization.k8s.io "nope" not found',
  ],
  ['carol', 'GET', '/api/v1/namespaces/default/pods', ''],
  [
    'erin',
    'GET',
    '/api/v1/services',
    'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
  ],
  ['erin', 'GET', '/metrics', true],
  // system:masters is allowed everything, RBAC or not.
  ['admin', 'DELETE', '/api/v1/namespaces/kube-system', true],
  ['admin', 'POST', '/lab/faults', true],
];

describe('lab RBAC: the authorizer', () => {
  const policy = storePolicy(policyStore());
  for (const [who, method, url, expected] of ROWS) {
    it(`${who}: ${method} ${url} is ${expected === true ? 'allowed' : 'denied'}`, () => {
      const parsed = new URL(url, 'https://lab');
      const user = USERS[who] as UserInfo;
      const decision = authorize(
        policy,
        user,
        requestAttributes(method, parsed.pathname, parsed.searchParams),
      );
      expect(decision).to.deep.equal(
        expected === true ? { allowed: true } : { allowed: false, reason: expected },
      );
    });
  }

  it('reports every missing role of the bindings that apply, bracketed', () => {
    const store = policyStore();
    store.put(
      key('rolebindings'),
      'ms',
      'second',
      binding('second', 'ClusterRole', 'also-gone', [{ kind: 'User', name: 'carol' }], 'ms'),
    );
    const decision = authorize(
      storePolicy(store),
      USERS['carol'] as UserInfo,
      requestAttributes('GET', '/api/v1/namespaces/ms/pods', new URLSearchParams()),
    );
    expect(decision).to.deep.equal({
      allowed: false,
      reason:
        'RBAC: [role.rbac.authorization.k8s.io "nope" not found, clusterrole.rbac.authorization.k8s.io "also-gone" not found]',
    });
  });
});

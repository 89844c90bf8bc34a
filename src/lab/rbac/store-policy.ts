/**
 * The RBAC objects of the lab's store as the authorizer reads them. Read on
 * every request, so a role or binding applied or deleted counts from the
 * next request on, as with kube-apiserver's informer-fed authorizer (which
 * lags a little; the lab does not).
 */
import { isObject, objectAt, stringAt, type Json, type JsonObject } from '../json.js';
import { findResource, resourceKey, type ResourceType } from '../resources.js';
import type { Store } from '../store.js';
import type { Binding, PolicyRule, RbacPolicy, Subject } from './authorizer.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

function keyOf(plural: string): string {
  return resourceKey(findResource(RBAC_GROUP, 'v1', plural) as ResourceType);
}

const KEYS = {
  clusterRoles: keyOf('clusterroles'),
  clusterRoleBindings: keyOf('clusterrolebindings'),
  roles: keyOf('roles'),
  roleBindings: keyOf('rolebindings'),
};

const everything = { namespace: undefined, match: () => true };

export function storePolicy(store: Store): RbacPolicy {
  return {
    clusterRoleBindings: () => store.list(KEYS.clusterRoleBindings, everything).map(toBinding),
    roleBindings: (namespace) =>
      store.list(KEYS.roleBindings, { namespace, match: () => true }).map(toBinding),
    clusterRoleRules: (name) => rulesOf(store.get(KEYS.clusterRoles, '', name)),
    roleRules: (namespace, name) => rulesOf(store.get(KEYS.roles, namespace, name)),
  };
}

function rulesOf(role: JsonObject | undefined): PolicyRule[] | undefined {
  if (role === undefined) return undefined;
  const rules = role['rules'];
  return Array.isArray(rules) ? rules.filter(isObject).map(toRule) : [];
}

function toRule(rule: JsonObject): PolicyRule {
  return {
    verbs: strings(rule['verbs']),
    apiGroups: strings(rule['apiGroups']),
    resources: strings(rule['resources']),
    resourceNames: strings(rule['resourceNames']),
    nonResourceURLs: strings(rule['nonResourceURLs']),
  };
}

function toBinding(binding: JsonObject): Binding {
  const roleRef = objectAt(binding, 'roleRef');
  const subjects = binding['subjects'];
  return {
    namespace: stringAt(objectAt(binding, 'metadata'), 'namespace') ?? '',
    roleRef: { kind: stringAt(roleRef, 'kind') ?? '', name: stringAt(roleRef, 'name') ?? '' },
    subjects: Array.isArray(subjects) ? subjects.filter(isObject).map(toSubject) : [],
  };
}

function toSubject(subject: JsonObject): Subject {
  return {
    kind: stringAt(subject, 'kind') ?? '',
    name: stringAt(subject, 'name') ?? '',
    namespace: stringAt(subject, 'namespace') ?? '',
  };
}

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The RBAC authorizer: may this user do what these request attributes say,
 * given the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings? Pure:
 * the policy is read through `RbacPolicy`, which the lab backs with its
 * store (store-policy.ts).
 *
 * The rules are those of "Using RBAC Authorization"
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/) as
 * kube-apiserver applies them (plugin/pkg/auth/authorizer/rbac/rbac.go and
 * pkg/apis/rbac/v1/evaluation_helpers.go):
 * - a request is allowed when any rule of any role bound to the user allows
 *   it; there are no deny rules. ClusterRoleBindings apply everywhere;
 *   RoleBindings only to requests in their own namespace, and a RoleBinding
 *   to a ClusterRole grants that role's rules in the binding's namespace only.
 * - a rule allows a resource request when its verbs, apiGroups and resources
 *   match (`*` matches anything, `resource/subresource` a subresource, and
 *   `*` followed by `/sub` that subresource of any resource) and, when it lists
 *   resourceNames, the request names one of them: a request without a name
 *   (list, watch, create, deletecollection) never matches such a rule.
 * - a rule allows a non-resource request when its verbs match and one of its
 *   nonResourceURLs is the path or, ending in `*`, a prefix of it.
 * - a subject is a User by name, a Group the user is in, or a ServiceAccount
 *   (`system:serviceaccount:NS:NAME`; a RoleBinding's ServiceAccount subject
 *   without a namespace is in the binding's namespace).
 * - a binding whose role does not exist grants nothing; its error is the
 *   denial's reason ("RBAC: clusterrole.rbac.authorization.k8s.io "x" not found").
 * Members of system:masters are allowed everything before RBAC is asked,
 * as kube-apiserver's privileged-group authorizer does.
 *
 * Not reproduced: aggregated ClusterRoles (aggregationRule; the lab holds none
 * that MetalLB uses) and the escalation checks on writing RBAC objects.
 */
import type { RequestAttributes } from './request-attributes.js';

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface Subject {
  readonly kind: string;
  readonly name: string;
  /** '' when the subject gives none. */
  readonly namespace: string;
}

export interface Binding {
  /** '' for a ClusterRoleBinding. */
  readonly namespace: string;
  readonly roleRef: { readonly kind: string; readonly name: string };
  readonly subjects: readonly Subject[];
}

/** The RBAC objects, as the authorizer reads them. */
export interface RbacPolicy {
  clusterRoleBindings(): readonly Binding[];
  roleBindings(namespace: string): readonly Binding[];
  /** The rules of a ClusterRole, or undefined when there is none of that name. */
  clusterRoleRules(name: string): readonly PolicyRule[] | undefined;
  roleRules(namespace: string, name: string): readonly PolicyRule[] | undefined;
}

export type Decision =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** The group whose members every request is allowed to (kubeadm's admin credentials are in it). */
export const SYSTEM_MASTERS = 'system:masters';

export function authorize(
  policy: RbacPolicy,
  user: UserInfo,
  attributes: RequestAttributes,
): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true };
  const errors: string[] = [];
  const namespace = attributes.kind === 'resource' ? attributes.namespace : '';
  const bindings = [
    ...policy.clusterRoleBindings(),
    ...(namespace === '' ? [] : policy.roleBindings(namespace)),
  ];
  for (const binding of bindings) {
    if (!binding.subjects.some((subject) => appliesTo(subject, user, binding.namespace))) continue;
    const rules = rulesOf(policy, binding);
    if (rules === undefined) {
      errors.push(missingRoleError(binding));
      continue;
    }
    if (rules.some((rule) => ruleAllows(rule, attributes))) return { allowed: true };
  }
  return { allowed: false, reason: denialReason(errors) };
}

/** The username a ServiceAccount authenticates as. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

function appliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace === '' ? bindingNamespace : subject.namespace;
      return namespace !== '' && serviceAccountUsername(namespace, subject.name) === user.name;
    }
    default:
      return false;
  }
}

function rulesOf(policy: RbacPolicy, binding: Binding): readonly PolicyRule[] | undefined {
  const { kind, name } = binding.roleRef;
  if (kind === 'ClusterRole') return policy.clusterRoleRules(name);
  if (kind === 'Role' && binding.namespace !== '') return policy.roleRules(binding.namespace, name);
  return undefined;
}

function missingRoleError(binding: Binding): string {
  const kind = binding.roleRef.kind.toLowerCase();
  return `${kind}.rbac.authorization.k8s.io ${JSON.stringify(binding.roleRef.name)} not found`;
}

/** What rbac.go reports: nothing, one error, or a bracketed list (utilerrors.NewAggregate). */
function denialReason(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  if (errors.length === 1) return `RBAC: ${errors[0] ?? ''}`;
  return `RBAC: [${errors.join(', ')}]`;
}

function ruleAllows(rule: PolicyRule, attributes: RequestAttributes): boolean {
  if (!matchesOrStar(rule.verbs, attributes.verb)) return false;
  if (attributes.kind === 'non-resource') {
    return rule.nonResourceURLs.some((url) => nonResourceURLMatches(url, attributes.path));
  }
  return (
    matchesOrStar(rule.apiGroups, attributes.apiGroup) &&
    resourceMatches(rule.resources, attributes.resource, attributes.subresource) &&
    (rule.resourceNames.length === 0 || rule.resourceNames.includes(attributes.name))
  );
}

function matchesOrStar(values: readonly string[], wanted: string): boolean {
  return values.some((value) => value === '*' || value === wanted);
}

function resourceMatches(
  ruleResources: readonly string[],
  resource: string,
  subresource: string,
): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  return ruleResources.some(
    (ruleResource) =>
      ruleResource === '*' ||
      ruleResource === combined ||
      (subresource !== '' && ruleResource === `*/${subresource}`),
  );
}

function nonResourceURLMatches(ruleURL: string, path: string): boolean {
  if (ruleURL === '*' || ruleURL === path) return true;
  return ruleURL.endsWith('*') && path.startsWith(ruleURL.replace(/\*+$/, ''));
}

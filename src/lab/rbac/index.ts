/**
 * Who may do what in the lab: ServiceAccount tokens (the TokenRequest API)
 * and the RBAC authorizer over the Roles and bindings the lab stores.
 */
export { LabAccess, type AuthorizationRecord } from './access.js';
export {
  authorize,
  serviceAccountUsername,
  type Binding,
  type Decision,
  type PolicyRule,
  type RbacPolicy,
  type Subject,
  type UserInfo,
} from './authorizer.js';
export { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from './bootstrap.js';
export { forbidden } from './forbidden.js';
export {
  requestAttributes,
  type NonResourceAttributes,
  type RequestAttributes,
  type ResourceAttributes,
} from './request-attributes.js';
export { ADMIN_USER } from './tokens.js';

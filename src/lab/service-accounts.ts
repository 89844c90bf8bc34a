/**
 * The ServiceAccount controller's one job the lab needs: every namespace
 * has a ServiceAccount named `default`, made when the namespace is
 * ("Managing Service Accounts", section "ServiceAccount controller",
 * https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#serviceaccount-controller).
 * A Pod that names no ServiceAccount runs as `default`, and the kubelet
 * mounts its token.
 */
import type { Registry } from './registry.js';
import { findResource, resourceKey, type ResourceType } from './resources.js';
import type { Change } from './store.js';
import { objectAt, stringAt } from './json.js';

const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts') as ResourceType;

export class ServiceAccountController {
  constructor(private readonly registry: Registry) {}

  onChange(change: Change): void {
    if (change.type !== 'ADDED' || change.resource !== resourceKey(NAMESPACES)) return;
    const namespace = stringAt(objectAt(change.object, 'metadata'), 'name') ?? '';
    if (this.registry.store.has(resourceKey(SERVICE_ACCOUNTS), namespace, 'default')) return;
    this.registry.create(
      { type: SERVICE_ACCOUNTS, namespace, name: '', subresource: '' },
      { metadata: { name: 'default' } },
      { dryRun: false, strict: false },
    );
  }
}

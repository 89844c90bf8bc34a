/**
 * The API server's checks on the install objects that an in-place upgrade
 * runs into (nothing runs them: there is no DaemonSet or Deployment
 * controller). A workload's `spec.selector` must select its pod template
 * and can never change after creation, and a (Cluster)RoleBinding's
 * `roleRef` can never change: this is why new manifests must keep v0.9's
 * selectors and role names, or `kubectl apply` over an old install fails.
 */
import type { Admission } from './registry.js';
import type { ResourceType } from './resources.js';
import { invalid } from './status.js';
import { isObject, objectAt, stringAt, type Json, type JsonObject } from './json.js';

const WORKLOADS = new Set(['DaemonSet', 'Deployment']);
const BINDINGS = new Set(['RoleBinding', 'ClusterRoleBinding']);

export class WorkloadAdmission implements Admission {
  admit(type: ResourceType, object: JsonObject, old: JsonObject | null): JsonObject {
    const name = stringAt(objectAt(object, 'metadata'), 'name') ?? '';
    if (type.group === 'apps' && WORKLOADS.has(type.kind)) {
      checkWorkload(type.kind, name, object, old);
    } else if (type.group === 'rbac.authorization.k8s.io' && BINDINGS.has(type.kind)) {
      checkBinding(type.kind, name, object, old);
    }
    return object;
  }
}

function checkWorkload(kind: string, name: string, object: JsonObject, old: JsonObject | null) {
  const spec = objectAt(object, 'spec');
  const selector = spec['selector'];
  if (!isObject(selector)) {
    throw invalid(kind, name, [{ field: 'spec.selector', message: 'Required value' }]);
  }
  if (old !== null && !sameJson(selector, objectAt(old, 'spec')['selector'])) {
    throw invalid(kind, name, [
      {
        field: 'spec.selector',
        message: `Invalid value: ${JSON.stringify(selector)}: field is immutable`,
      },
    ]);
  }
  // Only matchLabels is compared; a selector with matchExpressions is taken as matching.
  const wanted = objectAt(selector, 'matchLabels');
  const labels = objectAt(objectAt(objectAt(spec, 'template'), 'metadata'), 'labels');
  const missing = Object.entries(wanted).some(([key, value]) => labels[key] !== value);
  if (missing || (Object.keys(wanted).length === 0 && !Array.isArray(selector['matchExpressions'])))
    throw invalid(kind, name, [
      {
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
      },
    ]);
}

function checkBinding(kind: string, name: string, object: JsonObject, old: JsonObject | null) {
  const roleRef = object['roleRef'];
  if (!isObject(roleRef) || stringAt(roleRef, 'name') === undefined) {
    throw invalid(kind, name, [{ field: 'roleRef.name', message: 'Required value' }]);
  }
  if (old !== null && !sameJson(roleRef, old['roleRef'])) {
    throw invalid(kind, name, [
      { field: 'roleRef', message: 'Invalid value: cannot change roleRef' },
    ]);
  }
}

/** Equal as JSON values, whatever the order of object keys. */
function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameJson(item, b[i]))
    );
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
    );
  }
  return a === b;
}

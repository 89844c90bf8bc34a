/**
 * Reading the manifests, ours and v0.9.6's, and checking objects against
 * the Kubernetes API's own descriptions of their kinds: the OpenAPI schemas
 * (types, required fields, enums; through kubernetes-models) and the field
 * names of each type (through @kubernetes/client-node's generated models),
 * which is what the API server's strict decoding refuses unknown fields by.
 */
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { ROOT, SHARED } from '../support/paths.js';

export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

export const OURS = join(ROOT, 'manifests');
export const V09 = join(SHARED, 'upstream-v0.9', 'manifests');

export function readObjects(file: string): ManifestObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter((value): value is ManifestObject => typeof value === 'object' && value !== null);
}

/** namespace.yaml then metallb.yaml, as `kubectl apply -f DIR` reads them (file name order). */
export function ourObjects(): ManifestObject[] {
  return [...readObjects(join(OURS, 'metallb.yaml')), ...readObjects(join(OURS, 'namespace.yaml'))];
}

export function v09Objects(): ManifestObject[] {
  return [...readObjects(join(V09, 'metallb.yaml')), ...readObjects(join(V09, 'namespace.yaml'))];
}

export const identity = (o: ManifestObject): string =>
  `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

type Validate = (object: unknown) => void;
function model<T extends { validate(): void }>(Model: new (data: never) => T): Validate {
  return (object) => new Model(object as never).validate();
}

/** The OpenAPI schema check of each kind the manifests use; it throws on an invalid object. */
export const SCHEMA_VALIDATORS: Readonly<Record<string, Validate>> = {
  'v1/Namespace': model(Namespace),
  'v1/ServiceAccount': model(ServiceAccount),
  'rbac.authorization.k8s.io/v1/ClusterRole': model(ClusterRole),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': model(ClusterRoleBinding),
  'rbac.authorization.k8s.io/v1/Role': model(Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': model(RoleBinding),
  'apps/v1/DaemonSet': model(DaemonSet),
  'apps/v1/Deployment': model(Deployment),
};

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
interface GeneratedModel {
  getAttributeTypeMap(): Attribute[];
}

const MODELS = k8s as unknown as Record<string, unknown>;

function generated(type: string): GeneratedModel | undefined {
  const found = MODELS[type];
  return typeof found === 'function' && 'getAttributeTypeMap' in found
    ? (found as unknown as GeneratedModel)
    : undefined;
}

/** Paths of fields the API's type for `kind` does not have (`spec.template.spec.containers[0].imagePulPolicy`). */
export function unknownFields(kind: string, object: unknown): string[] {
  const unknown: string[] = [];
  const walk = (type: string, value: unknown, path: string): void => {
    const array = /^Array<(.+)>$/.exec(type);
    if (array !== null) {
      if (Array.isArray(value))
        value.forEach((item, i) => walk(array[1] ?? '', item, `${path}[${i}]`));
      return;
    }
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map !== null) {
      if (typeof value === 'object' && value !== null)
        for (const [key, item] of Object.entries(value)) walk(map[1] ?? '', item, `${path}.${key}`);
      return;
    }
    const described = generated(type);
    if (described === undefined || typeof value !== 'object' || value === null) return;
    const attributes = new Map(described.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
    for (const [key, item] of Object.entries(value)) {
      const child = path === '' ? key : `${path}.${key}`;
      const childType = attributes.get(key);
      if (childType === undefined) unknown.push(child);
      else walk(childType, item, child);
    }
  };
  if (generated(`V1${kind}`) === undefined) return [`(no type V1${kind})`];
  walk(`V1${kind}`, object, '');
  return unknown;
}

/**
 * Reading the manifests, ours and v0.9.6's, reducing them to the facts the
 * tests compare (test/fixtures/upstream-facts/v0.9.6-manifests.json records
 * v0.9.6's; test/upstream/ holds that record against the files), and
 * checking objects against
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
import { loadAll } from 'js-yaml';
import { ROOT, UPSTREAM_FACTS } from '../support/paths.js';

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

export function readObjects(file: string): ManifestObject[] {
  return loadAll(readFileSync(file, 'utf8')).filter(
    (value): value is ManifestObject => typeof value === 'object' && value !== null,
  );
}

/** namespace.yaml then metallb.yaml, as `kubectl apply -f DIR` reads them (file name order). */
export function ourObjects(): ManifestObject[] {
  return [...readObjects(join(OURS, 'metallb.yaml')), ...readObjects(join(OURS, 'namespace.yaml'))];
}

/** The objects of v0.9.6's manifests folder, in the same order. */
export function v09Objects(folder: string): ManifestObject[] {
  return [
    ...readObjects(join(folder, 'metallb.yaml')),
    ...readObjects(join(folder, 'namespace.yaml')),
  ];
}

export const identity = (o: ManifestObject): string =>
  `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  ports?: { containerPort: number; name?: string }[];
  securityContext?: {
    capabilities?: { add?: string[]; drop?: string[] };
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsUser?: number;
  };
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    containers: Container[];
    hostNetwork?: boolean;
    serviceAccountName: string;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
}
export interface Workload extends ManifestObject {
  spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * What the tests compare between our manifests and v0.9.6's: each object's
 * identity and labels, the workloads' selectors, pod labels and annotations,
 * service accounts, ports and environment, each role's permissions (one
 * line per `group resource verb name`), each binding's role and subjects.
 */
export interface ManifestFacts {
  readonly objects: {
    readonly kind: string;
    readonly apiVersion: string;
    readonly namespace: string | null;
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
  }[];
  /** By `Kind/name`. */
  readonly workloads: Readonly<
    Record<
      string,
      {
        readonly selector: { matchLabels: Record<string, string> };
        readonly podLabels: Readonly<Record<string, string>>;
        readonly podAnnotations: Readonly<Record<string, string>>;
        readonly serviceAccountName: string;
        readonly ports: Container['ports'] | null;
        readonly env: Container['env'] | null;
      }
    >
  >;
  /** By role name. */
  readonly roles: Readonly<
    Record<string, { readonly kind: string; readonly permissions: string[] }>
  >;
  /** By binding name. */
  readonly bindings: Readonly<
    Record<string, { readonly kind: string; readonly roleRef: unknown; readonly subjects: unknown }>
  >;
  /** Each PodSecurityPolicy's annotations and spec, by name (what pod admission reads). */
  readonly podSecurityPolicies: Readonly<
    Record<
      string,
      { readonly annotations: Readonly<Record<string, string>>; readonly spec: unknown }
    >
  >;
  /** Each workload's whole pod template, by `Kind/name` (what its pods are made from). */
  readonly podTemplates: Readonly<Record<string, unknown>>;
}

/** One line per permission: `group resource verb [name]`, sorted. */
export function permissions(rules: readonly Rule[]): string[] {
  const out = new Set<string>();
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources)
        for (const v of r.verbs)
          for (const n of r.resourceNames ?? ['*']) out.add(`${g} ${res} ${v} ${n}`);
  return [...out].sort();
}

export function manifestFacts(objects: readonly ManifestObject[]): ManifestFacts {
  const of = (...kinds: string[]) => objects.filter((o) => kinds.includes(o.kind));
  return {
    objects: objects.map((o) => ({
      kind: o.kind,
      apiVersion: o.apiVersion,
      namespace: o.metadata.namespace ?? null,
      name: o.metadata.name,
      labels: o.metadata.labels ?? {},
    })),
    workloads: Object.fromEntries(
      (of('DaemonSet', 'Deployment') as Workload[]).map((w) => {
        const container = w.spec.template.spec.containers[0];
        return [
          `${w.kind}/${w.metadata.name}`,
          {
            selector: w.spec.selector,
            podLabels: w.spec.template.metadata.labels,
            podAnnotations: w.spec.template.metadata.annotations,
            serviceAccountName: w.spec.template.spec.serviceAccountName,
            ports: container?.ports ?? null,
            env: container?.env ?? null,
          },
        ];
      }),
    ),
    roles: Object.fromEntries(
      of('ClusterRole', 'Role').map((r) => [
        r.metadata.name,
        { kind: r.kind, permissions: permissions((r['rules'] ?? []) as Rule[]) },
      ]),
    ),
    bindings: Object.fromEntries(
      of('ClusterRoleBinding', 'RoleBinding').map((b) => [
        b.metadata.name,
        { kind: b.kind, roleRef: b['roleRef'], subjects: b['subjects'] },
      ]),
    ),
    podSecurityPolicies: Object.fromEntries(
      of('PodSecurityPolicy').map((p) => [
        p.metadata.name,
        {
          annotations: (p.metadata as { annotations?: Record<string, string> }).annotations ?? {},
          spec: p['spec'],
        },
      ]),
    ),
    podTemplates: Object.fromEntries(
      (of('DaemonSet', 'Deployment') as Workload[]).map((w) => [
        `${w.kind}/${w.metadata.name}`,
        w.spec.template,
      ]),
    ),
  };
}

export function recordedManifestFacts(): ManifestFacts {
  const file = join(UPSTREAM_FACTS, 'v0.9.6-manifests.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { facts: ManifestFacts }).facts;
}

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

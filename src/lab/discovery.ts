/**
 * Discovery as a real server of the lab's release answers it in the legacy
 * (non-aggregated) form, which kubectl falls back to cleanly (docs/LAB.md):
 * /version, /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>,
 * and the OpenAPI v3 stub that `kubectl apply`, `create -f` and `replace -f`
 * need before they leave validation to the server (fieldValidation=Strict).
 * Only what the release serves is listed (versions.ts); the rest is a 404.
 */
import { apiVersionOf, type ResourceType } from './resources.js';
import {
  gitVersion,
  servedGroupVersions,
  servedResources,
  type KubernetesVersion,
} from './versions.js';
import type { JsonObject } from './json.js';

/** GET /version. kubectl's dispatcher on these machines picks its build by `minor`. */
export function serverVersion(version: KubernetesVersion): JsonObject {
  return {
    major: String(version.major),
    minor: String(version.minor),
    gitVersion: gitVersion(version),
    gitCommit: '0',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Changes whenever what the stub describes changes, so kubectl's cache is refreshed (the release is appended). */
const OPENAPI_HASH = 'LAB3';

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** A group with every version the release serves, the preferred (first listed) one first. */
function groupEntry(group: string, release: KubernetesVersion): JsonObject | undefined {
  const versions = servedGroupVersions(release)
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  const preferred = versions[0];
  return preferred === undefined
    ? undefined
    : { name: group, versions, preferredVersion: preferred };
}

export function apiGroupList(release: KubernetesVersion): JsonObject {
  const groups = [...new Set(servedGroupVersions(release).map((gv) => gv.group))].filter(
    (group) => group !== '',
  );
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((group) => groupEntry(group, release) ?? {}),
  };
}

export function apiGroup(group: string, release: KubernetesVersion): JsonObject | undefined {
  const entry = groupEntry(group, release);
  return entry === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...entry };
}

export function resourceList(
  group: string,
  version: string,
  release: KubernetesVersion,
): JsonObject | undefined {
  const types = servedResources(release).filter((r) => r.group === group && r.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const type of types) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: VERBS,
      ...(type.shortNames.length > 0 ? { shortNames: [...type.shortNames] } : {}),
    });
    if (type.hasStatus) {
      resources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  };
}

function openapiPath(gv: { group: string; version: string }): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

export function openapiRoot(release: KubernetesVersion): JsonObject {
  const paths: JsonObject = {};
  for (const gv of servedGroupVersions(release)) {
    paths[openapiPath(gv)] = {
      serverRelativeURL: `/openapi/v3/${openapiPath(gv)}?hash=${OPENAPI_HASH}-${release.minor}`,
    };
  }
  return { paths };
}

/** Per group/version: one patch operation per kind, naming its group/version/kind. */
export function openapiGroupVersion(
  path: string,
  release: KubernetesVersion,
): JsonObject | undefined {
  const gv = servedGroupVersions(release).find((g) => openapiPath(g) === path);
  if (gv === undefined) return undefined;
  const paths: JsonObject = {};
  for (const type of servedResources(release).filter(
    (r) => r.group === gv.group && r.version === gv.version,
  )) {
    paths[itemPath(type)] = {
      patch: {
        'x-kubernetes-group-version-kind': {
          group: type.group,
          version: type.version,
          kind: type.kind,
        },
        parameters: [{ name: 'fieldValidation', in: 'query' }],
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: gitVersion(release) },
    paths,
  };
}

function itemPath(type: ResourceType): string {
  const base = type.group === '' ? '/api/v1' : `/apis/${apiVersionOf(type)}`;
  return type.namespaced
    ? `${base}/namespaces/{namespace}/${type.plural}/{name}`
    : `${base}/${type.plural}/{name}`;
}

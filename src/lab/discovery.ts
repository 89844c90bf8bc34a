/**
 * Discovery as a real 1.32 server answers it in the legacy (non-aggregated)
 * form, which kubectl falls back to cleanly (docs/LAB.md): /version, /api,
 * /api/v1, /apis, /apis/<group>, /apis/<group>/<version>, and the OpenAPI v3
 * stub that `kubectl apply`, `create -f` and `replace -f` need before they
 * leave validation to the server (fieldValidation=Strict).
 */
import { apiVersionOf, groupVersions, RESOURCES, type ResourceType } from './resources.js';
import type { JsonObject } from './json.js';

export const SERVER_VERSION: JsonObject = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-lab',
  gitCommit: '0',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Changes whenever what the stub describes changes, so kubectl's cache is refreshed. */
const OPENAPI_HASH = 'LAB3';

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, version: string): JsonObject {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupVersions()
      .filter((gv) => gv.group !== '')
      .map((gv) => groupEntry(gv.group, gv.version)),
  };
}

export function apiGroup(group: string): JsonObject | undefined {
  const found = groupVersions().find((gv) => gv.group === group);
  return found === undefined
    ? undefined
    : { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, found.version) };
}

export function resourceList(group: string, version: string): JsonObject | undefined {
  const types = RESOURCES.filter((r) => r.group === group && r.version === version);
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

export function openapiRoot(): JsonObject {
  const paths: JsonObject = {};
  for (const gv of groupVersions()) {
    paths[openapiPath(gv)] = {
      serverRelativeURL: `/openapi/v3/${openapiPath(gv)}?hash=${OPENAPI_HASH}`,
    };
  }
  return { paths };
}

/** Per group/version: one patch operation per kind, naming its group/version/kind. */
export function openapiGroupVersion(path: string): JsonObject | undefined {
  const gv = groupVersions().find((g) => openapiPath(g) === path);
  if (gv === undefined) return undefined;
  const paths: JsonObject = {};
  for (const type of RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version)) {
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
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0-lab' }, paths };
}

function itemPath(type: ResourceType): string {
  const base = type.group === '' ? '/api/v1' : `/apis/${apiVersionOf(type)}`;
  return type.namespaced
    ? `${base}/namespaces/{namespace}/${type.plural}/{name}`
    : `${base}/${type.plural}/{name}`;
}

/**
 * The lab's HTTPS front: bearer-token auth, discovery, and the REST paths of
 * every resource (`/api/v1/namespaces/NS/services/NAME/status`,
 * `/apis/GROUP/VERSION/...`) mapped onto the Registry, with list and watch
 * (chunked JSON events, bookmarks, timeoutSeconds), Tables for kubectl, and
 * JSON, YAML and protobuf request bodies, bounded as kube-apiserver bounds
 * them (body.ts, yaml-body.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import {
  apiGroup,
  apiGroupList,
  apiVersions,
  openapiGroupVersion,
  openapiRoot,
  resourceList,
  serverVersion,
} from './discovery.js';
import { parseFaultCommand, type FaultCommand, type Faults } from './faults.js';
import { decodeKubernetesProtobuf } from './protobuf.js';
import type { LabAccess } from './rbac/index.js';
import type { DeleteOptions, PatchType, Registry, Scope } from './registry.js';
import { apiVersionOf, findResource, resourceKey, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { readBody, parseJsonBody } from './body.js';
import { nameParameterInvalid } from './names.js';
import { ApiError, badRequest } from './status.js';
import type { Store, WatchStart } from './store.js';
import { toTable } from './table.js';
import { serves, type KubernetesVersion } from './versions.js';
import { isObject, objectAt, stringAt, type Json, type JsonObject } from './json.js';
import { jsonText } from './json-text.js';
import { splitRequestTarget } from './url-path.js';
import { parseYamlBody } from './yaml-body.js';

export interface ServerOptions {
  readonly registry: Registry;
  readonly store: Store;
  readonly faults: Faults;
  /** Authentication and RBAC authorization of every request but the health checks. */
  readonly access: LabAccess;
  readonly now: () => Date;
  /** How often an open watch that asked for them gets a BOOKMARK (real servers: about a minute). */
  readonly bookmarkIntervalMs: number;
  /** Applies a fault command (the same one `Lab.inject` takes). */
  readonly inject: (command: FaultCommand) => void;
  /** PEM certificate and key for TLS (kubectl sends tokens only over TLS). */
  readonly certPem: string;
  readonly keyPem: string;
}

export function createLabServer(options: ServerOptions): Server {
  const server = createServer(
    { cert: options.certPem, key: options.keyPem },
    (request, response) => {
      handle(options, request, response).catch((error: unknown) => {
        const apiError =
          error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error));
        if (!response.headersSent) sendJson(response, apiError.code, apiError.toStatus());
        else response.end();
      });
    },
  );
  return server;
}

async function handle(
  options: ServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const target = splitRequestTarget(request.url ?? '/');
  if (target === undefined) {
    malformedTarget(response);
    return;
  }
  const { segments, path, query } = target;
  const method = request.method ?? 'GET';

  if (segments.length === 1 && ['healthz', 'readyz', 'livez'].includes(segments[0] ?? '')) {
    response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  // Authentication (401) and authorization (403), before anything is read or served.
  options.access.check(request.headers.authorization, method, path, query);
  if (segments[0] === 'lab' && segments[1] === 'faults' && method === 'POST') {
    const command = parseFaultCommand(parseJsonBody(await readBody(request)));
    if (typeof command === 'string') throw badRequest(command);
    options.inject(command);
    sendJson(response, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', metadata: {} });
    return;
  }

  if (segments.join('/') === 'openapi/v2' && method === 'GET') {
    // kubectl asks the OpenAPI v2 document for a kind the v3 stub does not
    // name (a removed one, such as PodSecurityPolicy). An empty document
    // holds no schema for it, so kubectl skips validation and then reports
    // the missing kind as a current server makes it do: "no matches for kind".
    response.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF }).end();
    return;
  }

  const release = options.registry.release;
  const discovery = discoveryAnswer(segments, request, release);
  if (discovery !== undefined) {
    sendJson(response, 200, discovery);
    return;
  }

  const route = resolve(segments, release);
  if (route === undefined)
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const badName = nameParameterInvalid(route.name);
  if (badName !== undefined) throw badName;
  await options.faults.beforeRequest(method !== 'GET');
  if (route.type.kind === 'ServiceAccount' && route.subresource === 'token' && method === 'POST') {
    const body = await readObject(request);
    sendJson(response, 201, options.access.tokenRequest(route.namespace, route.name, body));
    return;
  }
  await serveResource(options, route, query, method, request, response);
}

/**
 * A request target with a malformed percent-escape: Go's net/http refuses it
 * while reading an HTTP/1.1 request line (url.ParseRequestURI fails, in
 * server.go's readRequest), before any handler or authentication, with a
 * plain-text 400 and a closed connection.
 */
function malformedTarget(response: ServerResponse): void {
  const text = '400 Bad Request';
  response.writeHead(400, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    Connection: 'close',
  });
  response.end(text);
}

function discoveryAnswer(
  segments: string[],
  request: IncomingMessage,
  release: KubernetesVersion,
): JsonObject | undefined {
  const path = segments.join('/');
  if (path === 'version') return serverVersion(release);
  if (path === 'api') return apiVersions(request.headers.host ?? '127.0.0.1');
  if (path === 'api/v1') return resourceList('', 'v1', release);
  if (path === 'apis') return apiGroupList(release);
  if (segments[0] === 'apis' && segments.length === 2) return apiGroup(segments[1] ?? '', release);
  if (segments[0] === 'apis' && segments.length === 3)
    return resourceList(segments[1] ?? '', segments[2] ?? '', release);
  if (path === 'openapi/v3') return openapiRoot(release);
  if (segments[0] === 'openapi' && segments[1] === 'v3')
    return openapiGroupVersion(segments.slice(2).join('/'), release);
  return undefined;
}

/** The content type a real server answers the OpenAPI v2 document with. */
const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface Route {
  readonly type: ResourceType;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
}

/**
 * `/api/v1/...` or `/apis/G/V/...` -> the resource, namespace, name and
 * subresource; undefined (a 404) for what the release does not serve.
 */
function resolve(segments: string[], release: KubernetesVersion): Route | undefined {
  const route = resolveAnyRelease(segments);
  return route !== undefined && serves(route.type, release) ? route : undefined;
}

function resolveAnyRelease(segments: string[]): Route | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') {
    [group, version, rest] = ['', 'v1', segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  } else return undefined;

  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = findResource(group, version, rest[2] ?? '');
    if (type?.namespaced === true) {
      return { type, namespace: rest[1] ?? '', name: rest[3] ?? '', subresource: rest[4] ?? '' };
    }
  }
  const type = findResource(group, version, rest[0] ?? '');
  if (type === undefined || rest.length > 3) return undefined;
  // A namespaced kind at the top level is a list or watch across all namespaces.
  if (type.namespaced && rest.length > 1) return undefined;
  return { type, namespace: '', name: rest[1] ?? '', subresource: rest[2] ?? '' };
}

async function serveResource(
  options: ServerOptions,
  route: Route,
  query: URLSearchParams,
  method: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { registry } = options;
  if (route.subresource !== '' && (route.subresource !== 'status' || !route.type.hasStatus)) {
    throw new ApiError(
      404,
      'NotFound',
      `the server could not find the requested resource (${route.subresource})`,
    );
  }
  const scope: Scope = {
    type: route.type,
    namespace: route.namespace,
    name: route.name,
    subresource: route.subresource === 'status' ? 'status' : '',
  };
  const write = {
    dryRun: query.getAll('dryRun').includes('All'),
    strict: query.get('fieldValidation') === 'Strict',
  };
  const wantsTable = (request.headers.accept ?? '').includes('as=Table');

  if (route.name === '') {
    if (method === 'GET') {
      const match = matcher(route.type, query);
      if (query.get('watch') === 'true' || query.get('watch') === '1') {
        serveWatch(options, route, match, query, response, wantsTable);
        return;
      }
      const { items, revision } = registry.list(scope, match);
      if (wantsTable)
        sendJson(response, 200, toTable(route.type, items, String(revision), options.now()));
      else {
        sendText(
          response,
          200,
          listText(
            {
              kind: `${route.type.kind}List`,
              apiVersion: apiVersionOf(route.type),
              metadata: { resourceVersion: String(revision) },
            },
            items,
          ),
        );
      }
      return;
    }
    if (method === 'POST') {
      if (route.namespace === '' && route.type.namespaced)
        throw new ApiError(405, 'MethodNotAllowed', 'POST needs a namespace in the path');
      sendJson(response, 201, registry.create(scope, await readObject(request), write));
      return;
    }
    if (method === 'DELETE') {
      const { items } = registry.list(scope, matcher(route.type, query));
      for (const item of items) {
        const name = stringAt(objectAt(item, 'metadata'), 'name') ?? '';
        const namespace = stringAt(objectAt(item, 'metadata'), 'namespace') ?? '';
        registry.delete({ ...scope, name, namespace }, write);
      }
      sendJson(response, 200, {
        kind: `${route.type.kind}List`,
        apiVersion: apiVersionOf(route.type),
        metadata: {},
        items,
      });
      return;
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported on a collection`);
  }

  switch (method) {
    case 'GET': {
      const object = registry.get(scope);
      if (wantsTable) {
        const revision = stringAt(objectAt(object, 'metadata'), 'resourceVersion') ?? '';
        sendJson(response, 200, toTable(route.type, [object], revision, options.now()));
      } else sendJson(response, 200, object);
      return;
    }
    case 'PUT':
      sendJson(response, 200, registry.update(scope, await readObject(request), write));
      return;
    case 'PATCH': {
      const type = patchType(request.headers['content-type']);
      const body = await readBody(request);
      const patch = type === 'apply' ? parseYamlBody(body) : parseJsonBody(body);
      sendJson(response, 200, registry.patch(scope, patch, type, write));
      return;
    }
    case 'DELETE':
      sendJson(response, 200, registry.delete(scope, await deleteOptions(request, query, write)));
      return;
    default:
      throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported`);
  }
}

function serveWatch(
  options: ServerOptions,
  route: Route,
  match: (object: JsonObject) => boolean,
  query: URLSearchParams,
  response: ServerResponse,
  asTable: boolean,
): void {
  const version = query.get('resourceVersion') ?? '';
  let start: WatchStart;
  if (version === '' || version === '0') start = { kind: 'current-state' };
  else if (/^\d+$/.test(version)) start = { kind: 'after', revision: Number(version) };
  else throw badRequest(`invalid resourceVersion ${JSON.stringify(version)}`);

  // Before any byte is sent, so a 410 is a plain HTTP answer.
  let ended = false;
  const pending: string[] = [];
  let streaming = false;
  const send = (line: string): void => {
    if (ended) return;
    if (streaming) response.write(line);
    else pending.push(line);
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    handle?.stop();
    clearInterval(bookmarks);
    clearTimeout(timeout);
    response.end();
  };
  const filter = { namespace: route.namespace === '' ? undefined : route.namespace, match };
  const handle = options.store.watch(resourceKey(route.type), filter, start, {
    // `kubectl get -w` asks for Tables: each event then carries a one-row Table, as on a real server.
    event: (type, stored) => {
      const object = options.registry.served(route.type, stored);
      const body = asTable
        ? toTable(
            route.type,
            [object],
            stringAt(objectAt(object, 'metadata'), 'resourceVersion') ?? '',
            options.now(),
          )
        : object;
      send(`{"type":${JSON.stringify(type)},"object":${jsonText(body)}}\n`);
    },
    close: end,
  });
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
  });
  // Headers go out at once, as a real server's do: clients wait for them before they count a watch as started.
  response.flushHeaders();
  streaming = true;
  for (const line of pending.splice(0)) response.write(line);

  const bookmarks =
    query.get('allowWatchBookmarks') === 'true'
      ? setInterval(() => {
          const object = {
            kind: route.type.kind,
            apiVersion: apiVersionOf(route.type),
            metadata: { resourceVersion: String(options.store.currentRevision) },
          };
          send(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
        }, options.bookmarkIntervalMs)
      : undefined;
  const seconds = Number(query.get('timeoutSeconds') ?? '0');
  const timeout = seconds > 0 ? setTimeout(end, seconds * 1000) : undefined;
  // The response's close is the client going away (a request's close only means its body was read).
  response.on('close', end);
}

/** labelSelector and fieldSelector as one predicate; unsupported fields are a 400 as on a real server. */
function matcher(type: ResourceType, query: URLSearchParams): (object: JsonObject) => boolean {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  if (!labels.ok) throw badRequest(labels.error);
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
  if (!fields.ok) throw badRequest(fields.error);
  const supported = selectableFields(type);
  for (const field of fields.value.fields) {
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
  }
  return (object) => {
    const metadata = objectAt(object, 'metadata');
    const labelMap: Record<string, string> = {};
    for (const [k, v] of Object.entries(objectAt(metadata, 'labels')))
      if (typeof v === 'string') labelMap[k] = v;
    return labels.value(labelMap) && fields.value.match((field) => fieldValue(object, field));
  };
}

function selectableFields(type: ResourceType): string[] {
  const common = ['metadata.name', 'metadata.namespace'];
  switch (type.kind) {
    case 'Pod':
      return [
        ...common,
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'status.phase',
        'status.podIP',
      ];
    case 'Event':
      return [
        ...common,
        'involvedObject.kind',
        'involvedObject.namespace',
        'involvedObject.name',
        'involvedObject.uid',
        'involvedObject.apiVersion',
        'involvedObject.resourceVersion',
        'involvedObject.fieldPath',
        'reason',
        'reportingComponent',
        'source',
        'type',
        'regarding.kind',
        'regarding.name',
        'regarding.namespace',
      ];
    case 'Secret':
      return [...common, 'type'];
    case 'Node':
      return [...common, 'spec.unschedulable'];
    case 'Namespace':
      return [...common, 'status.phase'];
    default:
      return common;
  }
}

function fieldValue(object: JsonObject, field: string): string | undefined {
  if (field === 'source') return stringAt(objectAt(object, 'source'), 'component');
  let here: Json | undefined = object;
  for (const part of field.split('.')) here = isObject(here) ? here[part] : undefined;
  if (here === undefined || here === null) return field === 'metadata.namespace' ? '' : undefined;
  return typeof here === 'string' ? here : JSON.stringify(here);
}

function patchType(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]?.trim();
  switch (type) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

async function readObject(request: IncomingMessage): Promise<Json> {
  const body = await readBody(request);
  const type = (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim();
  if (type === 'application/vnd.kubernetes.protobuf') {
    const decoded = decodeKubernetesProtobuf(body);
    if (!decoded.ok)
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        // kubectl's generators do not fall back to JSON on a 415, so say what works instead.
        `the lab cannot read this protobuf body: ${decoded.error}; send the object as YAML or JSON instead (kubectl apply -f or create -f), e.g. \`kubectl create deployment web --image=nginx --dry-run=client -o yaml | kubectl apply -f -\``,
      );
    return decoded.value;
  }
  if (type === 'application/yaml') return parseYamlBody(body);
  return parseJsonBody(body);
}

/** DeleteOptions' grace period, from the query (`?gracePeriodSeconds=0`) or the body kubectl sends. */
async function deleteOptions(
  request: IncomingMessage,
  query: URLSearchParams,
  write: { readonly dryRun: boolean },
): Promise<DeleteOptions> {
  const body = await readBody(request);
  const sent = body.length === 0 ? {} : parseJsonBody(body);
  const fromBody = isObject(sent) ? sent['gracePeriodSeconds'] : undefined;
  const fromQuery = query.get('gracePeriodSeconds');
  const grace = fromQuery === null ? fromBody : Number(fromQuery);
  return {
    dryRun: write.dryRun,
    ...(typeof grace === 'number' && Number.isInteger(grace) ? { gracePeriodSeconds: grace } : {}),
  };
}

/** `{...head, items}` as JSON text, each item's text made at most once per revision. */
function listText(head: JsonObject, items: JsonObject[]): string {
  return `${JSON.stringify(head).slice(0, -1)},"items":[${items.map(jsonText).join(',')}]}`;
}

function sendJson(response: ServerResponse, code: number, body: JsonObject): void {
  sendText(response, code, jsonText(body));
}

function sendText(response: ServerResponse, code: number, text: string): void {
  response.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

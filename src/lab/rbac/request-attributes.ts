/**
 * What an authorizer is asked about a request: its verb, and for a resource
 * request the API group, resource, subresource, namespace and name; for any
 * other path the path itself. Pure: method, path and query in, attributes
 * out.
 *
 * The rules are those of k8s.io/apiserver's RequestInfoFactory
 * (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go), as the
 * Kubernetes documentation states them in "Authorization", section
 * "Determine the request verb"
 * (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb):
 * POST is create; GET and HEAD are get on a named object, list on a
 * collection, watch on a collection with `watch=true` (or under the legacy
 * `/watch/` path segment); PUT is update; PATCH is patch; DELETE is delete on
 * a named object and deletecollection on a collection. A path that is not
 * `/api/VERSION/...` or `/apis/GROUP/VERSION/...` with a resource (`/version`,
 * `/api`, `/apis/GROUP/VERSION`, `/openapi/v3`, `/healthz`) is a
 * non-resource request whose verb is the lowercase HTTP method.
 */

export interface ResourceAttributes {
  readonly kind: 'resource';
  readonly verb: string;
  /** '' for the core group. */
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  /** '' when the request names no subresource. */
  readonly subresource: string;
  /** '' for a cluster-scoped request (or one across all namespaces). */
  readonly namespace: string;
  /** '' for a request on a collection (unless a field selector names one object). */
  readonly name: string;
  readonly path: string;
}

export interface NonResourceAttributes {
  readonly kind: 'non-resource';
  readonly verb: string;
  readonly path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

/** Verbs taken from the path rather than the method (requestinfo.go's specialVerbs). */
const PATH_VERBS = new Set(['proxy', 'watch']);
/** Paths under /namespaces/NS that are the namespace's own subresources, not a resource in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const METHOD_VERBS: Readonly<Record<string, string>> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The attributes of `method` on `path` (a URL's pathname) with `query`. */
export function requestAttributes(
  method: string,
  pathname: string,
  query: URLSearchParams,
): RequestAttributes {
  const path = decoded(pathname);
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decoded);
  const nonResource: NonResourceAttributes = {
    kind: 'non-resource',
    verb: method.toLowerCase(),
    path,
  };
  const [prefix, ...afterPrefix] = segments;
  let rest: readonly string[];
  let apiGroup = '';
  if (prefix === 'api' && afterPrefix.length >= 2) rest = afterPrefix;
  else if (prefix === 'apis' && afterPrefix.length >= 3) {
    apiGroup = afterPrefix[0] ?? '';
    rest = afterPrefix.slice(1);
  } else return nonResource;
  const apiVersion = rest[0] ?? '';
  rest = rest.slice(1);

  let verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  const pathVerb = rest[0] ?? '';
  if (PATH_VERBS.has(pathVerb)) {
    // `/api/v1/watch` alone names no resource; the server refuses it as unroutable.
    if (rest.length < 2) return nonResource;
    verb = pathVerb;
    rest = rest.slice(1);
  }

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1] ?? '';
    // `/namespaces/NS` and `/namespaces/NS/status` are the Namespace object itself.
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  let name = rest[1] ?? '';
  const subresource = rest[2] ?? '';

  if (name === '' && verb === 'get') {
    verb = isTrue(query.get('watch')) ? 'watch' : 'list';
    // A list or watch of exactly one name is authorized as a request for that name.
    name = nameFromFieldSelector(query.get('fieldSelector') ?? '');
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  return {
    kind: 'resource',
    verb,
    apiGroup,
    apiVersion,
    resource,
    subresource,
    namespace,
    name,
    path,
  };
}

/** The query flags the API server decodes as true (Go's strconv.ParseBool). */
function isTrue(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/**
 * NAME when a term of the field selector is `metadata.name=NAME` (or `==`),
 * else '' (fields.Selector's RequiresExactMatch). A name that could not be a
 * path segment is not taken (requestinfo.go checks IsValidPathSegmentName).
 */
function nameFromFieldSelector(selector: string): string {
  for (const term of selector.split(',')) {
    const match = /^metadata\.name(?:==|=)(.*)$/.exec(term);
    if (match === null) continue;
    const name = match[1] ?? '';
    if (name === '.' || name === '..' || name.includes('/') || name.includes('%')) return '';
    return name;
  }
  return '';
}

/** Percent-escapes decoded, as Go's URL.Path holds them; text that does not decode stays as it is. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

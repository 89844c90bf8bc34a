/**
 * A request target split as kube-apiserver sees it. Go's url.ParseRequestURI
 * decodes the path once and never resolves `.` or `..` segments: the
 * apiserver splits that decoded path on `/` (RequestInfoFactory), so
 * `configmaps/%2e%2e` names a ConfigMap called `..` (which the storage key
 * then refuses, see names.ts) and `a%2Fb` is two segments. WHATWG URL
 * parsing (`new URL`) would instead resolve `%2e%2e` and route the request
 * to the parent path. A malformed escape fails the parse: undefined.
 */
export interface RequestTarget {
  /** The decoded path's non-empty segments. */
  readonly segments: string[];
  /** The path as sent, escapes kept (the authorizer reads it as kube-apiserver's RequestInfo does). */
  readonly path: string;
  readonly query: URLSearchParams;
}

const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

export function splitRequestTarget(raw: string): RequestTarget | undefined {
  const mark = raw.indexOf('?');
  const path = mark < 0 ? raw : raw.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : raw.slice(mark + 1));
  if (MALFORMED_ESCAPE.test(path)) return undefined;
  const segments = percentDecode(path)
    .split('/')
    .filter((segment) => segment !== '');
  return { segments, path, query };
}

/** %XX escapes to bytes, the bytes read as UTF-8 (Go keeps any bytes; the lab's names are text). */
function percentDecode(path: string): string {
  if (!path.includes('%')) return path;
  const parts = path
    .split(/(%[0-9A-Fa-f]{2})/)
    .map((part) =>
      part.startsWith('%')
        ? Buffer.of(Number.parseInt(part.slice(1), 16))
        : Buffer.from(part, 'utf8'),
    );
  return Buffer.concat(parts).toString('utf8');
}

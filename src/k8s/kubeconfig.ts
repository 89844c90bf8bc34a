/**
 * Where the API server is and how to authenticate to it, read from
 * kubeconfig files the way kubectl reads them, without client-node: loading
 * client-node costs a daemon some 70 MiB of memory, which only kubeconfigs
 * that need its exec or auth-provider plugins should pay for.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadAll, YAML11_SCHEMA } from 'js-yaml';

/** Where the API server is and how to authenticate to it. */
export interface ApiEndpoint {
  /** Base URL, e.g. https://127.0.0.1:6443 or https://[2001:db8::1]:443, without a trailing slash. */
  readonly server: string;
  /** PEM bytes of the CA bundle. */
  readonly ca?: Buffer;
  /** Client certificate PEM. */
  readonly cert?: Buffer;
  /** Client key PEM. */
  readonly key?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  /** Fixed bearer token; when `tokenFile` is set too, only a fallback for when that file cannot be read (as in client-go). */
  readonly token?: string;
  /** Bearer token re-read from this file (bound tokens rotate). */
  readonly tokenFile?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export type KubeconfigResult =
  | { readonly kind: 'endpoint'; readonly endpoint: ApiEndpoint; readonly namespace?: string }
  /** The current user needs client-node's exec or auth-provider support; `paths` to load with it. */
  | {
      readonly kind: 'plugin';
      readonly plugin: 'exec' | 'auth-provider';
      readonly paths: readonly string[];
      readonly namespace?: string;
    };

/** A kubeconfig that cannot be used; the message names the file and the key. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/**
 * kubectl's file list: `explicit` (--kubeconfig) alone, else KUBECONFIG
 * split on ':' (empty entries skipped, repeats dropped), else ~/.kube/config.
 * An empty KUBECONFIG counts as unset, as it does for kubectl.
 */
export function kubeconfigPaths(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string,
): string[] {
  if (explicit !== undefined) return [explicit];
  const list = env['KUBECONFIG'];
  if (list !== undefined && list !== '')
    return [...new Set(list.split(':').filter((entry) => entry !== ''))];
  return [join(home, '.kube', 'config')];
}

export interface LoadOptions {
  /** The paths came from --kubeconfig: a missing file is an error, not skipped. */
  readonly explicit?: boolean;
  /** Reads a file (the kubeconfigs and the files they name); default readFileSync. */
  readonly readFile?: (path: string) => Buffer;
}

/**
 * Reads and merges the files the way kubectl does: for each named cluster,
 * user or context the first file that defines it wins, whole; the
 * current-context comes from the first file that sets one. Then resolves
 * the current context into an endpoint, or says which plugin its user needs.
 */
export function loadKubeconfig(
  paths: readonly string[],
  options: LoadOptions = {},
): KubeconfigResult {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path));
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    const file = readKubeconfigFile(path, readFile, options.explicit === true);
    if (file !== undefined) files.push(file);
  }
  if (files.length === 0)
    throw new KubeconfigError(
      paths.length === 0
        ? 'no kubeconfig file given'
        : `no kubeconfig file found (looked for ${paths.join(', ')})`,
    );
  return resolveCurrentContext(merge(files), paths, readFile);
}

// ---------------------------------------------------------------------------
// One file

/** A mapping in a kubeconfig, with where it is, for error messages. */
class Section {
  constructor(
    /** The kubeconfig file it is in (relative paths in it are relative to its folder). */
    readonly file: string,
    /** Its key path, e.g. `clusters["lab"].cluster`. */
    readonly key: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {}

  /** A KubeconfigError about `field` of this section (or the section itself). */
  error(field: string | undefined, problem: string): KubeconfigError {
    const key = field === undefined ? this.key : `${this.key}.${field}`;
    return new KubeconfigError(`${this.file}: ${key} ${problem}`);
  }

  has(field: string): boolean {
    const value = this.fields[field];
    return value !== undefined && value !== null;
  }

  /** A string field; empty counts as unset, as in kubectl (Go's zero value). */
  string(field: string): string | undefined {
    const value = this.fields[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.error(field, `must be a string, not ${show(value)}`);
    return value;
  }

  boolean(field: string): boolean {
    const value = this.fields[field];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean')
      throw this.error(field, `must be true or false, not ${show(value)}`);
    return value;
  }

  /** A field that is a mapping (absent or null: an empty one). */
  section(field: string): Section {
    return new Section(
      this.file,
      `${this.key}.${field}`,
      mapping(this.fields[field], () => this.error(field, 'must be a mapping')),
    );
  }

  /** A `-data` field, decoded; Go decodes these strictly, so a stray character is an error. */
  base64(field: string): Buffer | undefined {
    const text = this.string(field)?.replace(/[\r\n]/g, '');
    if (text === undefined) return undefined;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
      throw this.error(field, 'is not base64');
    return Buffer.from(text, 'base64');
  }

  /** A path field, made absolute against the folder of the file that holds it. */
  path(field: string): string | undefined {
    const path = this.string(field);
    if (path === undefined || isAbsolute(path)) return path;
    return resolve(dirname(this.file), path);
  }
}

/** The named entries of one list (clusters, users or contexts), by name. */
type Named = Map<string, Section>;

interface KubeconfigFile {
  readonly path: string;
  readonly clusters: Named;
  readonly users: Named;
  readonly contexts: Named;
  readonly currentContext: string | undefined;
}

/** Undefined when the file does not exist and need not (it came from KUBECONFIG or the default). */
function readKubeconfigFile(
  path: string,
  readFile: (path: string) => Buffer,
  explicit: boolean,
): KubeconfigFile | undefined {
  let text: string;
  try {
    text = readFile(path).toString('utf8');
  } catch (error) {
    if (!explicit && errorCode(error) === 'ENOENT') return undefined;
    throw new KubeconfigError(`${path}: cannot read the kubeconfig (${describe(error)})`);
  }
  const document = parseKubeconfig(path, text);
  const top = new Section(
    path,
    '(top level)',
    mapping(
      document,
      () => new KubeconfigError(`${path}: must be a mapping (a kubeconfig), not ${show(document)}`),
    ),
  );
  return {
    path,
    clusters: namedList(top, 'clusters', 'cluster'),
    users: namedList(top, 'users', 'user'),
    contexts: namedList(top, 'contexts', 'context'),
    currentContext: top.string('current-context'),
  };
}

/**
 * The file's one document. client-go reads a kubeconfig with
 * sigs.k8s.io/yaml over go-yaml v2, which is YAML 1.1: `yes`, `on`, `y`
 * and their kin are booleans (k8s.io/client-go/tools/clientcmd/loader.go,
 * Load), so js-yaml reads it with its YAML 1.1 schema, not its 1.2 default.
 * An empty file is an empty kubeconfig, as client-go has it. Several
 * documents are refused: go-yaml would read the first and drop the rest
 * unseen, and a kubeconfig the daemons trust should not hide text.
 */
function parseKubeconfig(path: string, text: string): unknown {
  let documents: unknown[];
  try {
    documents = loadAll(text, { schema: YAML11_SCHEMA, filename: path });
  } catch (error) {
    throw new KubeconfigError(`${path}: not YAML (${describe(error)})`);
  }
  if (documents.length > 1)
    throw new KubeconfigError(
      `${path}: holds ${documents.length} YAML documents; a kubeconfig is one (kubectl would read only the first)`,
    );
  return documents[0] ?? null;
}

/** `clusters: [{name, cluster: {...}}, ...]` as a map from name to the inner mapping. */
function namedList(top: Section, list: string, inner: string): Named {
  const entries: Named = new Map();
  const value: unknown = top.fields[list] ?? [];
  if (!Array.isArray(value)) throw new KubeconfigError(`${top.file}: ${list} must be a list`);
  value.forEach((item: unknown, index) => {
    const entry = new Section(
      top.file,
      `${list}[${index}]`,
      mapping(item, () => new KubeconfigError(`${top.file}: ${list}[${index}] must be a mapping`)),
    );
    const name = entry.string('name');
    if (name === undefined) throw entry.error('name', 'is missing');
    if (entries.has(name)) throw entry.error('name', `repeats ${JSON.stringify(name)}`);
    const section = entry.section(inner);
    entries.set(
      name,
      new Section(top.file, `${list}[${JSON.stringify(name)}].${inner}`, section.fields),
    );
  });
  return entries;
}

// ---------------------------------------------------------------------------
// Merging and resolving

interface Merged {
  readonly clusters: Named;
  readonly users: Named;
  readonly contexts: Named;
  /** The current context's name and the file that set it. */
  readonly currentContext: { readonly name: string; readonly file: string } | undefined;
}

/** kubectl's rule: the first file to define a name wins, and the first to set current-context. */
function merge(files: readonly KubeconfigFile[]): Merged {
  const firstWins = (pick: (file: KubeconfigFile) => Named): Named => {
    const merged: Named = new Map();
    for (const file of files)
      for (const [name, section] of pick(file)) if (!merged.has(name)) merged.set(name, section);
    return merged;
  };
  const setter = files.find((file) => file.currentContext !== undefined);
  return {
    clusters: firstWins((file) => file.clusters),
    users: firstWins((file) => file.users),
    contexts: firstWins((file) => file.contexts),
    currentContext:
      setter?.currentContext === undefined
        ? undefined
        : { name: setter.currentContext, file: setter.path },
  };
}

function resolveCurrentContext(
  merged: Merged,
  paths: readonly string[],
  readFile: (path: string) => Buffer,
): KubeconfigResult {
  const current = merged.currentContext;
  if (current === undefined)
    throw new KubeconfigError(`${paths.join(', ')}: current-context is not set`);
  const context = merged.contexts.get(current.name);
  if (context === undefined)
    throw new KubeconfigError(
      `${current.file}: current-context names context ${JSON.stringify(current.name)}, which no kubeconfig defines`,
    );
  const namespace = context.string('namespace');
  const clusterName = context.string('cluster');
  if (clusterName === undefined) throw context.error('cluster', 'is missing');
  const cluster = merged.clusters.get(clusterName);
  if (cluster === undefined)
    throw context.error(
      'cluster',
      `names cluster ${JSON.stringify(clusterName)}, which no kubeconfig defines`,
    );
  const userName = context.string('user');
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && user === undefined)
    throw context.error(
      'user',
      `names user ${JSON.stringify(userName)}, which no kubeconfig defines`,
    );

  const tls = clusterSettings(cluster);
  const plugin = user === undefined ? undefined : pluginOf(user);
  if (plugin !== undefined)
    return { kind: 'plugin', plugin, paths: [...paths], ...optional('namespace', namespace) };
  const credentials = user === undefined ? {} : userCredentials(user, readFile);
  const endpoint: ApiEndpoint = {
    server: serverUrl(
      cluster,
      tls.insecureSkipTlsVerify || tls.ca !== undefined || credentials.cert !== undefined,
    ),
    insecureSkipTlsVerify: tls.insecureSkipTlsVerify,
    ...optional('ca', tls.ca?.(readFile)),
    ...optional('tlsServerName', tls.tlsServerName),
    ...credentials,
  };
  return { kind: 'endpoint', endpoint, ...optional('namespace', namespace) };
}

interface ClusterSettings {
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName: string | undefined;
  /** Reads the CA (deferred: a plugin user's config is client-node's to read). */
  readonly ca: ((readFile: (path: string) => Buffer) => Buffer) | undefined;
}

function clusterSettings(cluster: Section): ClusterSettings {
  if (cluster.has('proxy-url'))
    throw cluster.error('proxy-url', 'is not supported (connect to the API server directly)');
  const insecureSkipTlsVerify = cluster.boolean('insecure-skip-tls-verify');
  const caFile = cluster.path('certificate-authority');
  const caData = cluster.base64('certificate-authority-data');
  if (caFile !== undefined && caData !== undefined)
    throw cluster.error(undefined, 'has both certificate-authority and certificate-authority-data');
  // kubectl refuses this pair too: the one would silently disable the other.
  if (insecureSkipTlsVerify && (caFile !== undefined || caData !== undefined))
    throw cluster.error('insecure-skip-tls-verify', 'cannot be true with a certificate authority');
  return {
    insecureSkipTlsVerify,
    tlsServerName: cluster.string('tls-server-name'),
    ca:
      caData !== undefined
        ? () => caData
        : caFile === undefined
          ? undefined
          : (readFile) => readNamedFile(cluster, 'certificate-authority', caFile, readFile),
  };
}

/**
 * The server URL without trailing slashes. A server without a scheme gets
 * https when any TLS setting is there and http otherwise, as in client-go.
 */
function serverUrl(cluster: Section, tls: boolean): string {
  const server = cluster.string('server');
  if (server === undefined) throw cluster.error('server', 'is missing');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server)
    ? server
    : `${tls ? 'https' : 'http'}://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw cluster.error('server', `is not a URL: ${JSON.stringify(server)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw cluster.error('server', `must be an https or http URL, not ${JSON.stringify(server)}`);
  // The text as written, not url.href: that would drop a default port and re-spell IPv6 hosts.
  return withScheme.replace(/\/+$/, '');
}

function pluginOf(user: Section): 'exec' | 'auth-provider' | undefined {
  if (user.has('exec') && user.has('auth-provider'))
    throw user.error(undefined, 'has both exec and auth-provider');
  if (user.has('exec')) return 'exec';
  if (user.has('auth-provider')) return 'auth-provider';
  return undefined;
}

type Credentials = Pick<ApiEndpoint, 'cert' | 'key' | 'token' | 'tokenFile' | 'basicAuth'>;

function userCredentials(user: Section, readFile: (path: string) => Buffer): Credentials {
  for (const field of ['as', 'as-uid', 'as-groups', 'as-user-extra'])
    if (user.has(field)) throw user.error(field, 'is not supported (impersonation)');
  const token = user.string('token');
  const tokenFile = user.path('tokenFile');
  const username = user.string('username');
  const password = user.string('password');
  const basic = username !== undefined || password !== undefined;
  // kubectl refuses a token with a username or password: which one is meant?
  if (token !== undefined && basic)
    throw user.error(undefined, 'has both token and username/password; only one is allowed');
  // client-go reads the file at once when it is the only token, so a missing file is found now.
  if (tokenFile !== undefined && token === undefined)
    readNamedFile(user, 'tokenFile', tokenFile, readFile);
  const pair = clientCertificate(user, readFile);
  return {
    ...pair,
    ...optional('token', token),
    ...optional('tokenFile', tokenFile),
    ...(basic ? { basicAuth: { username: username ?? '', password: password ?? '' } } : {}),
  };
}

/** The client certificate and key: both or neither, each as data or as a file, not both. */
function clientCertificate(
  user: Section,
  readFile: (path: string) => Buffer,
): Pick<Credentials, 'cert' | 'key'> {
  const part = (field: 'client-certificate' | 'client-key'): Buffer | undefined => {
    const file = user.path(field);
    const data = user.base64(`${field}-data`);
    if (file !== undefined && data !== undefined)
      throw user.error(undefined, `has both ${field} and ${field}-data`);
    return data ?? (file === undefined ? undefined : readNamedFile(user, field, file, readFile));
  };
  const cert = part('client-certificate');
  const key = part('client-key');
  if (cert !== undefined && key === undefined)
    throw user.error('client-key', 'is missing (client-certificate needs a key)');
  if (key !== undefined && cert === undefined)
    throw user.error('client-certificate', 'is missing (client-key needs a certificate)');
  return cert === undefined || key === undefined ? {} : { cert, key };
}

// ---------------------------------------------------------------------------
// Small helpers

/** Reads a file a kubeconfig names; the error names the kubeconfig, the key and the path. */
function readNamedFile(
  section: Section,
  field: string,
  path: string,
  readFile: (path: string) => Buffer,
): Buffer {
  try {
    return readFile(path);
  } catch (error) {
    throw section.error(field, `names ${path}, which cannot be read (${describe(error)})`);
  }
}

/** `{ [name]: value }`, or `{}` when the value is undefined: unset settings are absent keys. */
function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

function mapping(value: unknown, error: () => Error): Readonly<Record<string, unknown>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw error();
  return value as Record<string, unknown>;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describe(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

function show(value: unknown): string {
  return Array.isArray(value)
    ? 'a list'
    : typeof value === 'object'
      ? 'a mapping'
      : JSON.stringify(value);
}

/**
 * A container's environment as the kubelet builds it, pure
 * (https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/,
 * .../environment-variable-expose-pod-information/,
 * .../distribute-credentials-secure/#define-container-environment-variables-using-secret-data,
 * .../configure-pod-container/configure-pod-configmap/):
 * the service variables first (here KUBERNETES_SERVICE_HOST/PORT), then
 * `envFrom`, then `env` in order, later names winning; `$(NAME)` in a
 * value expands to a variable defined before it (`$$(NAME)` is a literal
 * `$(NAME)`, an unknown name stays as written); `fieldRef` reads the
 * downward API's fields, `secretKeyRef` and `configMapKeyRef` a key of an
 * object in the Pod's namespace. A missing object or key that is not
 * `optional` is the kubelet's CreateContainerConfigError, with its message.
 */
import { isObject, objectAt, stringAt, type Json, type JsonObject } from '../json.js';

/** What the environment may read besides the Pod: its node's and its own address, Secrets and ConfigMaps of its namespace. */
export interface EnvSources {
  readonly hostIP: string;
  readonly podIP: string;
  readonly secret: (name: string) => JsonObject | undefined;
  readonly configMap: (name: string) => JsonObject | undefined;
  /** The variables every container starts with (the Services'). */
  readonly base: Readonly<Record<string, string>>;
}

export type EnvResult =
  | { readonly ok: true; readonly env: Record<string, string> }
  | { readonly ok: false; readonly message: string };

class EnvError extends Error {}

const list = (value: Json | undefined): JsonObject[] =>
  Array.isArray(value) ? value.filter(isObject) : [];

export function resolveEnv(pod: JsonObject, container: JsonObject, sources: EnvSources): EnvResult {
  const env: Record<string, string> = { ...sources.base };
  const namespace = stringAt(objectAt(pod, 'metadata'), 'namespace') ?? '';
  try {
    for (const from of list(container['envFrom'])) {
      const prefix = stringAt(from, 'prefix') ?? '';
      const ref = isObject(from['configMapRef'])
        ? from['configMapRef']
        : objectAt(from, 'secretRef');
      const isSecret = !isObject(from['configMapRef']);
      const name = stringAt(ref, 'name') ?? '';
      const object = isSecret ? sources.secret(name) : sources.configMap(name);
      if (object === undefined) {
        if (ref['optional'] === true) continue;
        throw new EnvError(`${isSecret ? 'secret' : 'configmap'} "${name}" not found`);
      }
      for (const [key, value] of Object.entries(dataOf(object, isSecret)))
        env[`${prefix}${key}`] = value;
    }
    for (const variable of list(container['env'])) {
      const name = stringAt(variable, 'name') ?? '';
      const from = variable['valueFrom'];
      if (!isObject(from)) {
        env[name] = expand(stringAt(variable, 'value') ?? '', env);
        continue;
      }
      const value = valueFrom(pod, namespace, from, sources);
      if (value !== undefined) env[name] = value;
    }
  } catch (error) {
    if (error instanceof EnvError) return { ok: false, message: error.message };
    throw error;
  }
  return { ok: true, env };
}

/** One `valueFrom`; undefined for an optional reference that is absent (the variable is then not set). */
function valueFrom(
  pod: JsonObject,
  namespace: string,
  from: JsonObject,
  sources: EnvSources,
): string | undefined {
  if (isObject(from['fieldRef']))
    return podField(pod, stringAt(from['fieldRef'], 'fieldPath') ?? '', sources);
  for (const [field, isSecret] of [
    ['secretKeyRef', true],
    ['configMapKeyRef', false],
  ] as const) {
    const ref = from[field];
    if (!isObject(ref)) continue;
    const name = stringAt(ref, 'name') ?? '';
    const key = stringAt(ref, 'key') ?? '';
    const object = isSecret ? sources.secret(name) : sources.configMap(name);
    const value = object === undefined ? undefined : dataOf(object, isSecret)[key];
    if (value !== undefined) return value;
    if (ref['optional'] === true) return undefined;
    throw new EnvError(
      object === undefined
        ? `${isSecret ? 'secret' : 'configmap'} "${name}" not found`
        : `couldn't find key ${key} in ${isSecret ? 'Secret' : 'ConfigMap'} ${namespace}/${name}`,
    );
  }
  throw new EnvError(`unsupported valueFrom: ${Object.keys(from).join(', ')}`);
}

/** The downward API's fields for environment variables. */
function podField(pod: JsonObject, path: string, sources: EnvSources): string {
  const metadata = objectAt(pod, 'metadata');
  const spec = objectAt(pod, 'spec');
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed !== null) return stringAt(objectAt(metadata, keyed[1] ?? ''), keyed[2] ?? '') ?? '';
  switch (path) {
    case 'metadata.name':
    case 'metadata.namespace':
    case 'metadata.uid':
      return stringAt(metadata, path.slice('metadata.'.length)) ?? '';
    case 'spec.nodeName':
      return stringAt(spec, 'nodeName') ?? '';
    case 'spec.serviceAccountName':
      return stringAt(spec, 'serviceAccountName') ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return sources.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return sources.podIP;
    default:
      throw new EnvError(`unsupported fieldPath: ${path}`);
  }
}

/** A ConfigMap's data (binaryData decoded as text) or a Secret's data (base64) and stringData. */
function dataOf(object: JsonObject, isSecret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const decode = (value: Json): string =>
    Buffer.from(typeof value === 'string' ? value : '', 'base64').toString();
  if (isSecret) {
    for (const [key, value] of Object.entries(objectAt(object, 'data'))) out[key] = decode(value);
    return out;
  }
  for (const [key, value] of Object.entries(objectAt(object, 'binaryData')))
    out[key] = decode(value);
  for (const [key, value] of Object.entries(objectAt(object, 'data')))
    if (typeof value === 'string') out[key] = value;
  return out;
}

/**
 * `$(NAME)` -> the variable's value when defined, `$$` -> `$`, anything else
 * as written (the kubelet's expansion, k8s.io/kubernetes third_party/forked/golang/expansion).
 */
export function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (match: string, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && Object.hasOwn(env, name) ? (env[name] ?? '') : match;
  });
}

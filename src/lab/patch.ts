/**
 * The three PATCH bodies the Kubernetes API accepts, applied to plain JSON values:
 *
 * - RFC 7386 JSON merge patch (`application/merge-patch+json`),
 * - RFC 6902 JSON patch (`application/json-patch+json`),
 * - Kubernetes strategic merge patch (`application/strategic-merge-patch+json`).
 *
 * Every function is pure: inputs are never mutated and results share no structure with them.
 * None of them throws; the two that can fail say so in a {@link PatchResult}.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PatchResult = { ok: true; value: Json } | { ok: false; error: string };

type JsonMap = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// Shared helpers

function isMap(value: Json | undefined): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(map: JsonMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key);
}

function get(map: JsonMap, key: string): Json | undefined {
  return has(map, key) ? map[key] : undefined;
}

/** `map[key] = value`, also for keys such as `__proto__` that plain assignment would not store. */
function put(map: JsonMap, key: string, value: Json): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

function deepClone(value: Json): Json {
  if (Array.isArray(value)) return value.map(deepClone);
  if (isMap(value)) {
    const out: JsonMap = {};
    for (const key of Object.keys(value)) put(out, key, deepClone(value[key] as Json));
    return out;
  }
  return value;
}

/** JSON equality: arrays in order, objects regardless of member order. */
function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => has(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

function messageOf(error: unknown): string {
  if (error instanceof PatchError) return error.message;
  if (error instanceof Error) return `internal error: ${error.message}`;
  return 'internal error';
}

class PatchError extends Error {}

// ---------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch

/** RFC 7386 JSON merge patch. Never throws. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return deepClone(patch);
  const result: JsonMap = isMap(target) ? (deepClone(target) as JsonMap) : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key] as Json;
    if (value === null) {
      delete result[key];
    } else {
      const current = get(result, key);
      put(result, key, applyMergePatch(current === undefined ? null : current, value));
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch (with RFC 6901 JSON pointers)

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) {
        throw new PatchError(
          `invalid JSON pointer ${JSON.stringify(pointer)}: "~" must be followed by 0 or 1`,
        );
      }
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** An array index token: "0" or digits without a leading zero. */
function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw new PatchError(`${JSON.stringify(token)} is not an array index`);
  }
  const index = Number(token);
  const limit = allowEnd ? length : length - 1;
  if (!Number.isSafeInteger(index) || index > limit) {
    throw new PatchError(`array index ${token} is out of bounds (length ${length})`);
  }
  return index;
}

function valueAt(doc: Json, tokens: readonly string[]): Json {
  let node: Json = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      node = node[arrayIndex(token, node.length, false)] as Json;
    } else if (isMap(node) && has(node, token)) {
      node = node[token] as Json;
    } else {
      throw new PatchError('path does not exist');
    }
  }
  return node;
}

/** The container holding the last token of `tokens` (tokens must be non-empty). */
function parentOf(doc: Json, tokens: readonly string[]): Json {
  const parent = valueAt(doc, tokens.slice(0, -1));
  if (!Array.isArray(parent) && !isMap(parent)) {
    throw new PatchError('parent of the path is not an object or an array');
  }
  return parent;
}

function addAt(doc: Json, tokens: readonly string[], value: Json): Json {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return value;
  const parent = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : arrayIndex(last, parent.length, true);
    parent.splice(index, 0, value);
  } else if (isMap(parent)) {
    put(parent, last, value);
  }
  return doc;
}

function removeAt(doc: Json, tokens: readonly string[]): { doc: Json; removed: Json } {
  const last = tokens[tokens.length - 1];
  if (last === undefined) throw new PatchError('cannot remove the whole document');
  const parent = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length, false);
    const [removed] = parent.splice(index, 1);
    return { doc, removed: removed as Json };
  }
  if (isMap(parent) && has(parent, last)) {
    const removed = parent[last] as Json;
    delete parent[last];
    return { doc, removed };
  }
  throw new PatchError('path does not exist');
}

function replaceAt(doc: Json, tokens: readonly string[], value: Json): Json {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return value;
  const parent = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    parent[arrayIndex(last, parent.length, false)] = value;
  } else if (isMap(parent)) {
    if (!has(parent, last)) throw new PatchError('path does not exist');
    put(parent, last, value);
  }
  return doc;
}

function member(op: JsonMap, name: string): Json {
  if (!has(op, name)) throw new PatchError(`missing "${name}" member`);
  return op[name] as Json;
}

function stringMember(op: JsonMap, name: string): string {
  const value = member(op, name);
  if (typeof value !== 'string') throw new PatchError(`"${name}" must be a string`);
  return value;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

function applyOperation(doc: Json, op: Json, index: number): Json {
  let label = `operation ${index}`;
  try {
    if (!isMap(op)) throw new PatchError('not a JSON object');
    if (typeof op.path === 'string') label = `operation ${index} (path ${JSON.stringify(op.path)})`;
    const name = stringMember(op, 'op');
    const path = stringMember(op, 'path');
    label = `operation ${index} (${name} ${JSON.stringify(path)})`;
    const tokens = parsePointer(path);
    switch (name) {
      case 'add':
        return addAt(doc, tokens, deepClone(member(op, 'value')));
      case 'remove':
        return removeAt(doc, tokens).doc;
      case 'replace':
        return replaceAt(doc, tokens, deepClone(member(op, 'value')));
      case 'move': {
        const from = parsePointer(stringMember(op, 'from'));
        if (from.length < tokens.length && samePath(from, tokens.slice(0, from.length))) {
          throw new PatchError('cannot move a location into one of its children');
        }
        if (samePath(from, tokens)) {
          valueAt(doc, from);
          return doc;
        }
        const { doc: without, removed } = removeAt(doc, from);
        return addAt(without, tokens, removed);
      }
      case 'copy': {
        const from = parsePointer(stringMember(op, 'from'));
        return addAt(doc, tokens, deepClone(valueAt(doc, from)));
      }
      case 'test': {
        const expected = member(op, 'value');
        if (!jsonEqual(valueAt(doc, tokens), expected)) {
          throw new PatchError('test failed: the value differs');
        }
        return doc;
      }
      default:
        throw new PatchError(`unknown operation ${JSON.stringify(name)}`);
    }
  } catch (error) {
    if (error instanceof PatchError) throw new PatchError(`${label}: ${error.message}`);
    throw error;
  }
}

/**
 * RFC 6902 JSON patch (add, remove, replace, move, copy, test); `ops` is the parsed body.
 * Operations apply in order to a copy of `target`; the first failure stops the patch and the
 * result is ok:false with a message naming the failing operation's index and path.
 * Never throws.
 */
export function applyJsonPatch(target: Json, ops: Json): PatchResult {
  try {
    if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
    let doc = deepClone(target);
    ops.forEach((op, index) => {
      doc = applyOperation(doc, op, index);
    });
    return { ok: true, value: doc };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes strategic merge patch
//
// Semantics follow k8s.io/apimachinery/pkg/util/strategicpatch as applied by the API server,
// with the patch metadata (patchStrategy / patchMergeKey struct tags of k8s.io/api) held in the
// table below. Fields not in the table are replaced when they are lists and merged when they are
// objects, which is also what every field of an unknown kind gets.

/** How a list field with patchStrategy "merge" merges: by a key of its items, or as a set. */
type ListStrategy = { mergeKey: string } | { set: true };

const byKey = (mergeKey: string): ListStrategy => ({ mergeKey });
const asSet: ListStrategy = { set: true };

/**
 * Paths are field names joined by "."; "[]" steps into the items of a list.
 * Sources: k8s.io/api core/v1 and discovery/v1 types.go, k8s.io/apimachinery meta/v1 types.go.
 */
const METADATA: Record<string, ListStrategy> = {
  'metadata.finalizers': asSet, // ObjectMeta.Finalizers: patchStrategy:"merge"
  'metadata.ownerReferences': byKey('uid'), // ObjectMeta.OwnerReferences: merge, key uid
};

/** Container lists in a PodSpec share the Container type. */
function containerFields(prefix: string): Record<string, ListStrategy> {
  return {
    [prefix]: byKey('name'),
    [`${prefix}[].ports`]: byKey('containerPort'),
    [`${prefix}[].env`]: byKey('name'),
    [`${prefix}[].volumeMounts`]: byKey('mountPath'),
    [`${prefix}[].volumeDevices`]: byKey('devicePath'),
  };
}

/** The merge keys of a PodSpec, for a Pod and for the pod template of a workload. */
function podTemplateFields(spec: string): Record<string, ListStrategy> {
  return {
    ...containerFields(`${spec}.containers`),
    ...containerFields(`${spec}.initContainers`),
    ...containerFields(`${spec}.ephemeralContainers`),
    [`${spec}.volumes`]: byKey('name'), // patchStrategy:"merge,retainKeys"
    [`${spec}.imagePullSecrets`]: byKey('name'),
    [`${spec}.hostAliases`]: byKey('ip'),
    [`${spec}.topologySpreadConstraints`]: byKey('topologyKey'),
    [`${spec}.schedulingGates`]: byKey('name'),
    [`${spec}.resourceClaims`]: byKey('name'), // patchStrategy:"merge,retainKeys"
    // tolerations, readinessGates: no strategy (replaced)
  };
}

const SCHEMAS: Record<string, Record<string, ListStrategy>> = {
  Service: {
    ...METADATA,
    'spec.ports': byKey('port'), // ServiceSpec.Ports
    'status.conditions': byKey('type'), // ServiceStatus.Conditions
    // spec.externalIPs, spec.clusterIPs, status.loadBalancer.ingress: no strategy (replaced)
  },
  Pod: {
    ...METADATA,
    ...podTemplateFields('spec'),
    'status.conditions': byKey('type'),
    'status.podIPs': byKey('ip'),
    'status.hostIPs': byKey('ip'),
    'status.resourceClaimStatuses': byKey('name'), // patchStrategy:"merge,retainKeys"
  },
  Node: {
    ...METADATA,
    'spec.podCIDRs': asSet, // NodeSpec.PodCIDRs: patchStrategy:"merge"
    // spec.taints: no strategy (replaced)
    'status.conditions': byKey('type'),
    'status.addresses': byKey('type'),
  },
  Namespace: {
    ...METADATA,
    // spec.finalizers: no strategy (replaced), unlike metadata.finalizers
    'status.conditions': byKey('type'),
  },
  // Endpoints.subsets, EndpointSlice.endpoints/ports: no strategy (replaced).
  ConfigMap: { ...METADATA },
  Secret: { ...METADATA },
  Endpoints: { ...METADATA },
  EndpointSlice: { ...METADATA },
  Event: { ...METADATA },
  Lease: { ...METADATA },
  ServiceAccount: {
    ...METADATA,
    secrets: byKey('name'), // ServiceAccount.Secrets: merge, key name
  },
  // rules, subjects and roleRef of the RBAC kinds: no strategy (replaced).
  ClusterRole: { ...METADATA },
  ClusterRoleBinding: { ...METADATA },
  Role: { ...METADATA },
  RoleBinding: { ...METADATA },
  DaemonSet: { ...METADATA, ...podTemplateFields('spec.template.spec') },
  Deployment: { ...METADATA, ...podTemplateFields('spec.template.spec') },
};

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_FROM = '$deleteFromPrimitiveList';

/** Returned by a merge whose patch says `$patch: delete`: the value goes away. */
const DELETED: unique symbol = Symbol('deleted');
type Merged = Json | typeof DELETED;

function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE ||
    key === RETAIN_KEYS ||
    key.startsWith(SET_ORDER) ||
    key.startsWith(DELETE_FROM)
  );
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The field name after `$setElementOrder/` or `$deleteFromPrimitiveList/`. */
function directiveField(key: string, prefix: string): string {
  const field = key.slice(prefix.length + 1);
  if (key.charAt(prefix.length) !== '/' || field === '') {
    throw new PatchError(
      `invalid directive key ${JSON.stringify(key)}: expected "${prefix}/<field>"`,
    );
  }
  return field;
}

class StrategicMerger {
  constructor(private readonly schema: Record<string, ListStrategy>) {}

  strategyAt(path: string): ListStrategy | undefined {
    return Object.prototype.hasOwnProperty.call(this.schema, path) ? this.schema[path] : undefined;
  }

  /** Merges patch map `patch` into `target` (already a private copy that may be changed). */
  mergeMap(target: JsonMap, patch: JsonMap, path: string): Merged {
    const directive = get(patch, DIRECTIVE);
    if (directive !== undefined) {
      if (directive === 'delete') return DELETED;
      if (directive === 'replace') {
        // The target map is dropped; the patch's map is merged into nothing, so nested
        // directives still apply and nulls leave no key.
        return this.mergeMap({}, withoutKey(patch, DIRECTIVE), path);
      }
      if (directive !== 'merge') {
        throw new PatchError(`${where(path)}: unknown $patch value ${JSON.stringify(directive)}`);
      }
    }

    const retain = get(patch, RETAIN_KEYS);
    if (retain !== undefined) this.retainKeys(target, patch, retain, path);

    // $setElementOrder lists are merged together with the list they order.
    const ordered = new Set<string>();
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ORDER)) continue;
      const field = directiveField(key, SET_ORDER);
      ordered.add(field);
      this.mergeOrderedList(target, patch, field, patch[key] as Json, path);
    }

    for (const key of Object.keys(patch)) {
      if (isDirectiveKey(key) || ordered.has(key)) continue;
      this.mergeField(target, key, patch[key] as Json, path);
    }

    for (const key of Object.keys(patch)) {
      if (!key.startsWith(DELETE_FROM)) continue;
      const field = directiveField(key, DELETE_FROM);
      const toDelete = patch[key] as Json;
      if (!Array.isArray(toDelete)) {
        throw new PatchError(`${where(childPath(path, key))}: must be a list`);
      }
      const current = get(target, field);
      if (Array.isArray(current)) {
        put(
          target,
          field,
          current.filter((item) => !toDelete.some((gone) => jsonEqual(item, gone))),
        );
      }
    }
    return target;
  }

  private retainKeys(target: JsonMap, patch: JsonMap, retain: Json, path: string): void {
    if (!Array.isArray(retain) || !retain.every((key) => typeof key === 'string')) {
      throw new PatchError(`${where(path)}: $retainKeys must be a list of field names`);
    }
    const keep = new Set<Json>(retain);
    for (const key of Object.keys(patch)) {
      if (isDirectiveKey(key) || patch[key] === null) continue;
      if (!keep.has(key)) {
        throw new PatchError(`${where(path)}: field ${JSON.stringify(key)} is not in $retainKeys`);
      }
    }
    for (const key of Object.keys(target)) {
      if (!keep.has(key)) delete target[key];
    }
  }

  private mergeField(target: JsonMap, key: string, value: Json, path: string): void {
    const fieldPath = childPath(path, key);
    if (value === null) {
      delete target[key];
      return;
    }
    const current = get(target, key);
    let merged: Merged;
    if (isMap(current) && isMap(value)) {
      merged = this.mergeMap(current, value, fieldPath);
    } else if (Array.isArray(current) && Array.isArray(value)) {
      merged = this.mergeList(current, value, fieldPath);
    } else {
      merged = this.fromNothing(value, fieldPath);
    }
    if (merged === DELETED) delete target[key];
    else put(target, key, merged);
  }

  /** A patch value for a field the target does not have (or has with another type). */
  fromNothing(value: Json, path: string): Merged {
    if (isMap(value)) return this.mergeMap({}, value, path);
    if (Array.isArray(value)) return this.mergeList([], value, path);
    return value;
  }

  /** Merges patch list `patch` into `target` (a private copy) by the field's strategy. */
  mergeList(target: Json[], patch: Json[], path: string): Json[] {
    const strategy = this.strategyAt(path);
    if (strategy === undefined) return replaceList(patch);
    const items = [...target, ...patch];
    if (items.length === 0) return [];
    if (items.every((item) => !isMap(item) && !Array.isArray(item))) {
      return mergeSet(target, patch);
    }
    if ('mergeKey' in strategy && items.every(isMap)) {
      return this.mergeKeyed(target as JsonMap[], patch as JsonMap[], strategy.mergeKey, path);
    }
    throw new PatchError(
      'mergeKey' in strategy
        ? `${where(path)}: every item of a list merged by "${strategy.mergeKey}" must be an object`
        : `${where(path)}: a list merged as a set must hold only primitive values`,
    );
  }

  private mergeKeyed(target: JsonMap[], patch: JsonMap[], mergeKey: string, path: string): Json[] {
    const itemPath = `${path}[]`;
    const plain: JsonMap[] = [];
    const deletions: Json[] = [];
    let replace = false;
    for (const item of patch) {
      const directive = get(item, DIRECTIVE);
      if (directive === undefined) {
        plain.push(item);
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'delete') {
        const key = get(item, mergeKey);
        if (key === undefined) {
          throw new PatchError(`${where(path)}: a $patch: delete item needs "${mergeKey}"`);
        }
        deletions.push(key);
      } else if (directive === 'merge') {
        if (!Object.keys(item).every(isDirectiveKey)) plain.push(withoutKey(item, DIRECTIVE));
      } else {
        throw new PatchError(`${where(path)}: unknown $patch value ${JSON.stringify(directive)}`);
      }
    }

    if (replace) {
      // `{"$patch": "replace"}` in a list: the list becomes the other items of the patch.
      return replaceList(plain);
    }

    const keyOf = (item: Json): Json | undefined => (isMap(item) ? get(item, mergeKey) : undefined);
    const original = target.filter((item) => {
      const key = keyOf(item);
      return key === undefined || !deletions.some((gone) => jsonEqual(gone, key));
    });

    const merged: Json[] = [...original];
    for (const item of plain) {
      const key = get(item, mergeKey);
      if (key === undefined) {
        throw new PatchError(`${where(path)}: item ${JSON.stringify(item)} has no "${mergeKey}"`);
      }
      const at = merged.findIndex((candidate) => jsonEqual(keyOf(candidate), key));
      const existing = at >= 0 ? merged[at] : undefined;
      const result = isMap(existing)
        ? this.mergeMap(existing, item, itemPath)
        : this.mergeMap({}, item, itemPath);
      if (at >= 0) {
        if (result === DELETED) merged.splice(at, 1);
        else merged[at] = result;
      } else if (result !== DELETED) {
        merged.push(result);
      }
    }
    return arrange(merged, plain, original, keyOf);
  }

  /** Applies `$setElementOrder/<field>` together with the patch's `<field>` list. */
  private mergeOrderedList(
    target: JsonMap,
    patch: JsonMap,
    field: string,
    order: Json,
    path: string,
  ): void {
    const fieldPath = childPath(path, field);
    if (!Array.isArray(order)) {
      throw new PatchError(`${where(fieldPath)}: ${SET_ORDER}/${field} must be a list`);
    }
    const current = get(target, field);
    const patchList = get(patch, field);
    if (patchList === null) {
      delete target[field];
      return;
    }
    if (patchList !== undefined && !Array.isArray(patchList)) {
      throw new PatchError(
        `${where(fieldPath)}: ${SET_ORDER}/${field} orders a field that is not a list`,
      );
    }
    const original = Array.isArray(current) ? current : [];
    const patchItems = patchList ?? [];
    const keyOf = this.orderKey(fieldPath, [...original, ...patchItems], order);

    checkOrder(patchItems, order, keyOf, fieldPath);

    let merged: Json[];
    if (patchList === undefined) {
      if (!Array.isArray(current)) return;
      merged = current;
    } else {
      merged = this.mergeList(original, patchItems, fieldPath);
    }
    put(target, field, arrange(merged, order, original, keyOf));
  }

  /** How items of the list at `path` are identified, for ordering. */
  private orderKey(path: string, items: Json[], order: Json[]): (item: Json) => Json | undefined {
    const maps = items.some(isMap) || order.some(isMap);
    if (!maps) return (item) => item;
    const strategy = this.strategyAt(path);
    // Without a known merge key, the one-key entries of the order list name it.
    const first = order.find(isMap);
    const named = first === undefined ? [] : Object.keys(first);
    const key =
      strategy !== undefined && 'mergeKey' in strategy
        ? strategy.mergeKey
        : named.length === 1
          ? named[0]
          : undefined;
    if (key === undefined) {
      throw new PatchError(`${where(path)}: cannot order a list of objects without a merge key`);
    }
    return (item) => (isMap(item) ? get(item, key) : undefined);
  }
}

function where(path: string): string {
  return path === '' ? 'at the top level' : `at ${path}`;
}

function withoutKey(map: JsonMap, key: string): JsonMap {
  const out: JsonMap = {};
  for (const k of Object.keys(map)) if (k !== key) put(out, k, map[k] as Json);
  return out;
}

/** A copy of a value taken literally from a patch: directive keys dropped, nulls kept. */
function stripDirectives(value: Json): Merged {
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value) {
      const cleaned = stripDirectives(item);
      if (cleaned !== DELETED) out.push(cleaned);
    }
    return out;
  }
  if (isMap(value)) {
    if (get(value, DIRECTIVE) === 'delete') return DELETED;
    const out: JsonMap = {};
    for (const key of Object.keys(value)) {
      if (isDirectiveKey(key)) continue;
      const cleaned = stripDirectives(value[key] as Json);
      if (cleaned !== DELETED) put(out, key, cleaned);
    }
    return out;
  }
  return value;
}

/** A list without a merge strategy is replaced; directive items and keys are dropped. */
function replaceList(patch: Json[]): Json[] {
  const out: Json[] = [];
  for (const item of patch) {
    if (isMap(item) && has(item, DIRECTIVE)) {
      const onlyDirectives = Object.keys(item).every(isDirectiveKey);
      if (item[DIRECTIVE] === 'delete' || onlyDirectives) continue;
    }
    const cleaned = stripDirectives(item);
    if (cleaned !== DELETED) out.push(cleaned);
  }
  return out;
}

/** A list of primitives with patchStrategy merge: a set union, without duplicates. */
function mergeSet(target: Json[], patch: Json[]): Json[] {
  const merged: Json[] = [];
  for (const item of [...target, ...patch]) {
    if (!merged.some((seen) => jsonEqual(seen, item))) merged.push(item);
  }
  return arrange(merged, patch, target, (item) => item);
}

/** Rejects a patch list whose items are missing from, or out of order with, its order list. */
function checkOrder(
  patchItems: Json[],
  order: Json[],
  keyOf: (item: Json) => Json | undefined,
  path: string,
): void {
  let at = 0;
  for (const item of patchItems) {
    if (isMap(item) && has(item, DIRECTIVE)) continue;
    const key = keyOf(item);
    while (at < order.length && !jsonEqual(keyOf(order[at] as Json), key)) at++;
    if (at === order.length) {
      throw new PatchError(
        `${where(path)}: the order of the patch list does not match ${SET_ORDER}/${lastField(path)}`,
      );
    }
    at++;
  }
}

function lastField(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/**
 * Orders a merged list as the API server does. Items named in `order` (the patch list, or a
 * `$setElementOrder` list) come in that order; the others ("server-only" items) keep their
 * order in `original`. The two sequences are then interleaved: a server-only item goes before
 * a named item only when both are in `original` and it came first there. So server-only items
 * stay where they were relative to the items around them, and new items come before
 * server-only items they cannot be compared with.
 */
function arrange(
  merged: Json[],
  order: Json[],
  original: Json[],
  keyOf: (item: Json) => Json | undefined,
): Json[] {
  const indexIn = (list: Json[], item: Json): number => {
    const key = keyOf(item);
    if (key === undefined) return -1;
    return list.findIndex((candidate) => jsonEqual(keyOf(candidate), key));
  };
  const named: Json[] = [];
  const serverOnly: Json[] = [];
  for (const item of merged) (indexIn(order, item) >= 0 ? named : serverOnly).push(item);
  const byIndexIn = (list: Json[]) => (a: Json, b: Json) => indexIn(list, a) - indexIn(list, b);
  named.sort(byIndexIn(order));
  const known = serverOnly.filter((item) => indexIn(original, item) >= 0).sort(byIndexIn(original));
  const unknown = serverOnly.filter((item) => indexIn(original, item) < 0);
  const left = [...known, ...unknown];

  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < named.length) {
    if (j >= named.length) {
      out.push(left[i++] as Json);
    } else if (i >= left.length) {
      out.push(named[j++] as Json);
    } else {
      const l = indexIn(original, left[i] as Json);
      const r = indexIn(original, named[j] as Json);
      if (l >= 0 && r >= 0 && l < r) out.push(left[i++] as Json);
      else out.push(named[j++] as Json);
    }
  }
  return out;
}

/**
 * Kubernetes strategic merge patch for the given kind (those in SCHEMAS above:
 * Service, Pod, Node, the workloads and RBAC kinds of an install, ...; anything else gets
 * plain merge semantics: objects merge, lists are replaced). Directives ($patch,
 * $setElementOrder/, $retainKeys, $deleteFromPrimitiveList/) are honoured and never appear in
 * the result. Never throws.
 */
export function applyStrategicMergePatch(target: Json, patch: Json, kind: string): PatchResult {
  try {
    if (!isMap(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
    const schema = Object.prototype.hasOwnProperty.call(SCHEMAS, kind) ? SCHEMAS[kind] : undefined;
    const merger = new StrategicMerger(schema ?? {});
    const start: JsonMap = isMap(target) ? (deepClone(target) as JsonMap) : {};
    const merged = merger.mergeMap(start, patch, '');
    return { ok: true, value: merged === DELETED ? {} : merged };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

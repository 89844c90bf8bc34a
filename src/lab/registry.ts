/**
 * The verbs with the real API server's semantics over the Store: names and
 * generateName (checked per kind, names.ts), uid and creationTimestamp, 409
 * on a stale resourceVersion, spec and status kept apart (a status write
 * changes only status, any other write never changes status), strict field
 * validation, and admission hooks for what the control plane fills in
 * (Service defaults, addresses).
 * Objects are stored in their kind's storage version and read and written
 * in the version the request names (conversion.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { toServedVersion, toStorageVersion } from './conversion.js';
import { timestamp } from './conditions.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { apiVersionOf, resourceKey, storageType, type ResourceType } from './resources.js';
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from './status.js';
import type { Filter, Store } from './store.js';
import { deepFreeze, isObject, objectAt, stringAt, type Json, type JsonObject } from './json.js';
import { generatedName, metadataCauses, nameParameterInvalid } from './names.js';
import { unknownFields } from './validation.js';
import { CURRENT_VERSION, type KubernetesVersion } from './versions.js';

/** Where a request points. */
export interface Scope {
  readonly type: ResourceType;
  /** '' for cluster-scoped kinds, and for all namespaces in a list. */
  readonly namespace: string;
  readonly name: string;
  readonly subresource: 'status' | '';
}

export interface WriteOptions {
  /** dryRun=All: everything is checked and answered, nothing is stored. */
  readonly dryRun: boolean;
  /** fieldValidation=Strict: unknown fields are an error. */
  readonly strict: boolean;
}

/** The control plane's part in writes: fill in defaults, allocate, refuse. */
export interface Admission {
  /**
   * Called before an object is stored; returns the object to store (or
   * throws an ApiError). `object` and `old` are frozen: build a new object
   * to change anything.
   */
  admit(type: ResourceType, object: JsonObject, old: JsonObject | null): JsonObject;
  /** Called after an object was deleted (release what admit allocated). */
  released?(type: ResourceType, object: JsonObject): void;
}

export interface DeleteOptions {
  readonly dryRun: boolean;
  /** DeleteOptions.gracePeriodSeconds (body or query); undefined: the object's own. */
  readonly gracePeriodSeconds?: number;
}

/** A deletion that takes time (a Pod on a node: its kubelet ends its containers first). */
export interface GracefulDeletion {
  /**
   * The object to store in place of deleting it (marked with a
   * deletionTimestamp), `object` itself to change nothing, or undefined to
   * delete it now.
   */
  deleting(type: ResourceType, object: JsonObject, options: DeleteOptions): JsonObject | undefined;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const NAMESPACE_TYPE_KEY = '/v1/namespaces';

export class Registry {
  private readonly admissions: Admission[] = [];
  private readonly graceful: GracefulDeletion[] = [];

  constructor(
    readonly store: Store,
    private readonly now: () => Date,
    /** The release whose shapes a request sees (fields that came or went with a release). */
    readonly release: KubernetesVersion = CURRENT_VERSION,
  ) {}

  addAdmission(admission: Admission): void {
    this.admissions.push(admission);
  }

  addGracefulDeletion(graceful: GracefulDeletion): void {
    this.graceful.push(graceful);
  }

  get(scope: Scope): JsonObject {
    return this.served(scope.type, this.getStored(scope));
  }

  /** A stored object as a client of `type`'s version sees it (watch events). */
  served(type: ResourceType, stored: JsonObject): JsonObject {
    return toServedVersion(type, stored, this.release);
  }

  private getStored(scope: Scope): JsonObject {
    const found = this.store.get(resourceKey(scope.type), scope.namespace, scope.name);
    if (found === undefined) throw notFound(scope.type.plural, scope.name, scope.type.group);
    return found;
  }

  list(
    scope: Scope,
    match: (object: JsonObject) => boolean,
  ): { items: JsonObject[]; revision: number } {
    const filter: Filter = {
      namespace: scope.namespace === '' ? undefined : scope.namespace,
      match,
    };
    return {
      items: this.store
        .list(resourceKey(scope.type), filter)
        .map((object) => this.served(scope.type, object)),
      revision: this.store.currentRevision,
    };
  }

  create(scope: Scope, body: Json, options: WriteOptions): JsonObject {
    const object = toStorageVersion(scope.type, this.checkBody(scope, body, options));
    const storage = storageType(scope.type);
    const metadata = objectAt(object, 'metadata');
    const given = stringAt(metadata, 'name') ?? '';
    const generateName = stringAt(metadata, 'generateName') ?? '';
    const name =
      given === '' && generateName !== '' ? generatedName(generateName, randomSuffix()) : given;
    const causes = metadataCauses(scope.type, { name, generateName, namespace: scope.namespace });
    if (causes.length > 0) throw invalid(scope.type.kind, name, causes, scope.type.group);
    const badKey = nameParameterInvalid(name);
    if (badKey !== undefined) throw badKey;
    if (scope.type.namespaced) this.requireNamespace(scope.namespace);
    if (this.store.has(resourceKey(scope.type), scope.namespace, name)) {
      throw alreadyExists(scope.type.plural, name);
    }
    const stamped: JsonObject = {
      ...object,
      apiVersion: apiVersionOf(storage),
      kind: scope.type.kind,
      metadata: {
        ...metadata,
        name,
        ...(scope.type.namespaced ? { namespace: scope.namespace } : {}),
        uid: randomUUID(),
        creationTimestamp: this.timestamp(),
        ...(isObject(object['spec']) ? { generation: 1 } : {}),
      },
    };
    // stamped's metadata is a new object, not yet frozen.
    delete (stamped['metadata'] as JsonObject)['resourceVersion'];
    const admitted = this.admit(storage, stamped, null);
    if (options.dryRun)
      return this.served(scope.type, {
        ...admitted,
        metadata: { ...objectAt(admitted, 'metadata'), resourceVersion: '' },
      });
    return this.served(
      scope.type,
      this.store.put(resourceKey(scope.type), scope.namespace, name, admitted),
    );
  }

  update(scope: Scope, body: Json, options: WriteOptions): JsonObject {
    const current = this.get(scope);
    const object = this.checkBody(scope, body, options);
    const wanted = stringAt(objectAt(object, 'metadata'), 'resourceVersion');
    if (
      wanted !== undefined &&
      wanted !== '' &&
      wanted !== stringAt(objectAt(current, 'metadata'), 'resourceVersion')
    ) {
      throw conflict(scope.type.plural, scope.name);
    }
    return this.write(scope, object, options);
  }

  patch(scope: Scope, patch: Json, type: PatchType, options: WriteOptions): JsonObject {
    let current: JsonObject;
    try {
      current = this.get(scope);
    } catch (error) {
      // Server-side apply creates what is absent.
      if (type === 'apply' && error instanceof ApiError && error.code === 404)
        return this.create(scope, patch, options);
      throw error;
    }
    const result =
      type === 'json'
        ? applyJsonPatch(current, patch)
        : type === 'strategic'
          ? applyStrategicMergePatch(current, patch, scope.type.kind)
          : { ok: true as const, value: applyMergePatch(current, patch) };
    if (!result.ok)
      throw new ApiError(422, 'Invalid', `the patch could not be applied: ${result.error}`);
    if (!isObject(result.value)) throw badRequest('the patched object is not an object');
    // A resourceVersion in the patch is a precondition, as on the real server.
    const wanted = isObject(patch)
      ? stringAt(objectAt(patch, 'metadata'), 'resourceVersion')
      : undefined;
    if (
      wanted !== undefined &&
      wanted !== stringAt(objectAt(current, 'metadata'), 'resourceVersion')
    ) {
      throw conflict(scope.type.plural, scope.name);
    }
    return this.write(scope, this.checkBody(scope, result.value, options), options);
  }

  delete(scope: Scope, options: DeleteOptions): JsonObject {
    const current = this.getStored(scope);
    if (options.dryRun) return this.served(scope.type, current);
    for (const graceful of this.graceful) {
      const marked = graceful.deleting(scope.type, current, options);
      if (marked === current) return this.served(scope.type, current);
      if (marked !== undefined)
        return this.served(
          scope.type,
          this.store.put(resourceKey(scope.type), scope.namespace, scope.name, deepFreeze(marked)),
        );
    }
    if (scope.type.kind === 'Namespace' && scope.type.group === '') this.emptyNamespace(scope.name);
    const removed =
      this.store.remove(resourceKey(scope.type), scope.namespace, scope.name) ?? current;
    for (const admission of this.admissions) admission.released?.(storageType(scope.type), removed);
    return this.served(scope.type, removed);
  }

  /**
   * Replaces the stored object with `written` (in the request's version),
   * keeping what the write may not change.
   */
  private write(scope: Scope, written: JsonObject, options: WriteOptions): JsonObject {
    const current = this.getStored(scope);
    const incoming = toStorageVersion(scope.type, written);
    const storage = storageType(scope.type);
    const currentMeta = objectAt(current, 'metadata');
    let next: JsonObject;
    if (scope.subresource === 'status') {
      // A status write changes status only.
      next = { ...current, status: incoming['status'] ?? {} };
    } else {
      next = { ...incoming };
      if (scope.type.hasStatus) {
        if (current['status'] === undefined) delete next['status'];
        else next['status'] = current['status'];
      }
    }
    const incomingMeta =
      scope.subresource === 'status' ? currentMeta : objectAt(incoming, 'metadata');
    // A status write shares the stored spec: the same (frozen) object, so no need to compare text.
    const specChanged =
      current['spec'] !== next['spec'] &&
      JSON.stringify(current['spec']) !== JSON.stringify(next['spec']);
    next['apiVersion'] = apiVersionOf(storage);
    next['kind'] = scope.type.kind;
    next['metadata'] = {
      ...incomingMeta,
      name: currentMeta['name'] ?? scope.name,
      ...(scope.type.namespaced ? { namespace: scope.namespace } : {}),
      uid: currentMeta['uid'] ?? null,
      creationTimestamp: currentMeta['creationTimestamp'] ?? null,
      ...(typeof currentMeta['generation'] === 'number'
        ? { generation: currentMeta['generation'] + (specChanged ? 1 : 0) }
        : {}),
    };
    const admitted = this.admit(storage, next, current);
    if (options.dryRun) return this.served(scope.type, admitted);
    return this.served(
      scope.type,
      this.store.put(resourceKey(scope.type), scope.namespace, scope.name, admitted),
    );
  }

  private admit(type: ResourceType, object: JsonObject, old: JsonObject | null): JsonObject {
    let admitted = deepFreeze(object);
    for (const admission of this.admissions)
      admitted = deepFreeze(admission.admit(type, admitted, old));
    return admitted;
  }

  /** The body is an object of this kind, in this namespace, with this name; unknown fields refused when strict. */
  private checkBody(scope: Scope, body: Json, options: WriteOptions): JsonObject {
    if (!isObject(body)) throw badRequest(`the body of a ${scope.type.kind} must be a JSON object`);
    const apiVersion = stringAt(body, 'apiVersion');
    const kind = stringAt(body, 'kind');
    if (
      (apiVersion !== undefined && apiVersion !== apiVersionOf(scope.type)) ||
      (kind !== undefined && kind !== scope.type.kind)
    ) {
      throw badRequest(
        `the API version in the data (${apiVersion ?? ''}) and kind (${kind ?? ''}) do not match the request (${apiVersionOf(scope.type)}, ${scope.type.kind})`,
      );
    }
    const metadata = objectAt(body, 'metadata');
    const namespace = stringAt(metadata, 'namespace');
    if (
      scope.type.namespaced &&
      namespace !== undefined &&
      namespace !== '' &&
      namespace !== scope.namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const name = stringAt(metadata, 'name');
    if (scope.name !== '' && name !== undefined && name !== '' && name !== scope.name) {
      throw badRequest('the name of the object does not match the name on the URL');
    }
    if (options.strict) {
      const unknown = unknownFields(scope.type, body);
      if (unknown.length > 0) {
        const fields = unknown.map((f) => `unknown field "${f}"`).join(', ');
        throw badRequest(
          `${scope.type.kind} in version "${scope.type.version}" cannot be handled as a ${scope.type.kind}: strict decoding error: ${fields}`,
        );
      }
    }
    // Not copied: the body becomes (part of) the stored object and is frozen with it.
    return body;
  }

  private requireNamespace(namespace: string): void {
    if (!this.store.has(NAMESPACE_TYPE_KEY, '', namespace)) {
      throw notFound('namespaces', namespace, '');
    }
  }

  /** Deleting a namespace deletes what is in it. */
  private emptyNamespace(namespace: string): void {
    for (const key of this.store.resourceKeys()) {
      for (const object of this.store.list(key, { namespace, match: () => true })) {
        const name = stringAt(objectAt(object, 'metadata'), 'name');
        if (name !== undefined) this.store.remove(key, namespace, name);
      }
    }
  }

  private timestamp(): string {
    return timestamp(this.now());
  }
}

/** Five characters from the alphabet Kubernetes uses for generateName suffixes. */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

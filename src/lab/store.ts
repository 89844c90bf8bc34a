/**
 * The lab's storage, shaped like etcd behind a real API server: one global
 * revision that every write advances (an object's resourceVersion is the
 * revision of its last write), a bounded history of changes from which
 * watches resume, and "410 Gone" for a revision older than that history.
 *
 * Stored objects are deeply frozen when they enter (put and remove) and are
 * then handed out as they are, to every reader and every watcher: nothing
 * is copied per read or per event, and a receiver that tries to change one
 * gets a TypeError. A write builds a new object; the revision it replaces
 * stays as it was for whoever holds it.
 */
import { gone } from './status.js';
import { deepFreeze, text, type JsonObject } from './json.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly revision: number;
  readonly type: EventType;
  /** resourceKey() of the object's type. */
  readonly resource: string;
  readonly namespace: string;
  readonly object: JsonObject;
  /** The object before a MODIFIED change, for watch filters. */
  readonly previous: JsonObject | null;
}

/** Which objects a watch or list wants, beyond the resource. */
export interface Filter {
  /** Only this namespace; undefined for all. */
  readonly namespace: string | undefined;
  readonly match: (object: JsonObject) => boolean;
}

export interface WatchSink {
  event(type: EventType, object: JsonObject): void;
  /** The watch is over (closed by the server); the sink should end its stream. */
  close(): void;
}

export interface WatchHandle {
  stop(): void;
}

/** Where a watch starts. */
export type WatchStart =
  /** Send every current object as ADDED, then changes (resourceVersion unset or "0"). */
  | { readonly kind: 'current-state' }
  /** Changes after this revision (resourceVersion=N). */
  | { readonly kind: 'after'; readonly revision: number };

interface Watcher {
  readonly resource: string;
  readonly filter: Filter;
  readonly sink: WatchSink;
}

/** Changes kept for watches to resume from; older revisions get 410 Gone. */
const HISTORY_LIMIT = 10_000;
/** Revisions start here, as a real cluster's are never small. */
const FIRST_REVISION = 100;

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export class Store {
  private revision = FIRST_REVISION;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private readonly history: Change[] = [];
  /** The newest revision no longer in the history. */
  private compactedRevision = FIRST_REVISION;
  private readonly watchers = new Set<Watcher>();
  private readonly listeners = new Set<(change: Change) => void>();

  get currentRevision(): number {
    return this.revision;
  }

  /** The stored (frozen) object itself. */
  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    return this.objects.get(resource)?.get(keyOf(namespace, name));
  }

  has(resource: string, namespace: string, name: string): boolean {
    return this.objects.get(resource)?.has(keyOf(namespace, name)) ?? false;
  }

  /** The stored (frozen) objects that match, sorted by namespace and name, in a new array. */
  list(resource: string, filter: Filter): JsonObject[] {
    const items: JsonObject[] = [];
    for (const [key, object] of this.objects.get(resource) ?? []) {
      if (filter.namespace !== undefined && !key.startsWith(`${filter.namespace}/`)) continue;
      if (filter.match(object)) items.push(object);
    }
    return items.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  }

  /** Visits the stored objects of a resource in one namespace, unsorted. */
  scan(resource: string, namespace: string, visit: (object: JsonObject) => void): void {
    const prefix = `${namespace}/`;
    for (const [key, object] of this.objects.get(resource) ?? []) {
      if (key.startsWith(prefix)) visit(object);
    }
  }

  /**
   * Stores an object (created or replaced), stamping its resourceVersion;
   * returns the stored, frozen object. It shares the parts of `object`,
   * which are frozen with it: the caller gives them up.
   */
  put(resource: string, namespace: string, name: string, object: JsonObject): JsonObject {
    const bucket = this.bucket(resource);
    const key = keyOf(namespace, name);
    const previous = bucket.get(key) ?? null;
    const stored = withResourceVersion(object, ++this.revision);
    bucket.set(key, stored);
    this.record({
      revision: this.revision,
      type: previous === null ? 'ADDED' : 'MODIFIED',
      resource,
      namespace,
      object: stored,
      previous,
    });
    return stored;
  }

  remove(resource: string, namespace: string, name: string): JsonObject | undefined {
    const bucket = this.bucket(resource);
    const key = keyOf(namespace, name);
    const existing = bucket.get(key);
    if (existing === undefined) return undefined;
    bucket.delete(key);
    const last = withResourceVersion(existing, ++this.revision);
    this.record({
      revision: this.revision,
      type: 'DELETED',
      resource,
      namespace,
      object: last,
      previous: null,
    });
    return last;
  }

  /** Starts a watch; throws 410 Gone when the start revision is no longer in the history. */
  watch(resource: string, filter: Filter, start: WatchStart, sink: WatchSink): WatchHandle {
    if (start.kind === 'after' && start.revision < this.compactedRevision) {
      throw gone(`too old resource version: ${start.revision} (${this.compactedRevision + 1})`);
    }
    if (start.kind === 'current-state') {
      for (const object of this.list(resource, filter)) sink.event('ADDED', object);
    } else {
      for (const change of this.history) {
        if (change.revision > start.revision && change.resource === resource)
          deliver(change, filter, sink);
      }
    }
    const watcher: Watcher = { resource, filter, sink };
    this.watchers.add(watcher);
    return { stop: () => this.watchers.delete(watcher) };
  }

  /** Calls `listener` after every change (the lab's controllers). */
  onChange(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets the history: every watch resuming from an earlier revision gets 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedRevision = this.revision;
  }

  /** Ends every open watch, as an API server restart or a load balancer timeout does. */
  closeWatches(): void {
    const open = [...this.watchers];
    this.watchers.clear();
    for (const watcher of open) watcher.sink.close();
  }

  /** The resources that hold or held objects. */
  resourceKeys(): string[] {
    return [...this.objects.keys()];
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private bucket(resource: string): Map<string, JsonObject> {
    let bucket = this.objects.get(resource);
    if (bucket === undefined) {
      bucket = new Map();
      this.objects.set(resource, bucket);
    }
    return bucket;
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.shift();
      if (dropped !== undefined) this.compactedRevision = dropped.revision;
    }
    for (const watcher of [...this.watchers]) {
      if (watcher.resource === change.resource) deliver(change, watcher.filter, watcher.sink);
    }
    for (const listener of [...this.listeners]) listener(change);
  }
}

/**
 * As the watch cache does: an object that starts matching a filtered watch
 * arrives as ADDED, one that stops matching leaves as DELETED.
 */
function deliver(change: Change, filter: Filter, sink: WatchSink): void {
  if (filter.namespace !== undefined && change.namespace !== filter.namespace) return;
  const now = filter.match(change.object);
  if (change.type !== 'MODIFIED' || change.previous === null) {
    if (now) sink.event(change.type, change.object);
    return;
  }
  const before = filter.match(change.previous);
  if (before && now) sink.event('MODIFIED', change.object);
  else if (now) sink.event('ADDED', change.object);
  else if (before) sink.event('DELETED', change.object);
}

/** A frozen copy of `object` stamped with `revision`; shares (and freezes) the rest of it. */
function withResourceVersion(object: JsonObject, revision: number): JsonObject {
  const metadata =
    typeof object['metadata'] === 'object' && object['metadata'] !== null ? object['metadata'] : {};
  return deepFreeze({
    ...object,
    metadata: { ...(metadata as JsonObject), resourceVersion: String(revision) },
  });
}

function sortKey(object: JsonObject): string {
  const metadata = (object['metadata'] ?? {}) as JsonObject;
  return `${text(metadata['namespace'])}/${text(metadata['name'])}`;
}

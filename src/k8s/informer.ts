/**
 * An informer that does not give up: list, then watch from the list's
 * resourceVersion, as client-go's reflector does. A watch the server ends
 * (its timeoutSeconds) resumes from the last resourceVersion seen (events
 * and BOOKMARKs move it); a 410 Gone, as an answer or as an ERROR event,
 * lists again; any other failure (500, 429, an unreachable server, a broken
 * stream) retries with exponential backoff. A relist reports only what
 * differs from the cache (by resourceVersion), and deletions the watch
 * missed. The daemons are level-based, so a gap costs time, never
 * correctness: no change is lost, only coalesced.
 */
import { ApiError, statusOf, type ApiClient, type Query } from './rest.js';
import type { ObjectList, ObjectWithMeta, Status, WatchEvent } from './wire.js';

export interface InformerHandlers<T> {
  /** An object was added or changed (its latest state). */
  readonly changed: (object: T) => void;
  readonly deleted: (object: T) => void;
  /** The first complete list is in (called once). */
  readonly synced?: () => void;
  readonly failed?: (error: unknown, retryInMs: number) => void;
}

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** What to list and watch. */
export interface WatchedResource {
  /** The collection's path: `/api/v1/services`, `/api/v1/namespaces/NS/configmaps`. */
  readonly path: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };
/** client-go asks each watch to end after 5 to 10 minutes, spread so that clients do not relist together. */
const WATCH_TIMEOUT_S = { min: 300, spread: 300 };
/** A watch that ends sooner than this without an event counts as a failure for the backoff. */
const SHORT_WATCH_MS = 1000;

export class ResilientInformer<T extends ObjectWithMeta> {
  private readonly backoff: BackoffOptions;
  private readonly transform: (object: T) => T;
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  /** Watch lines skipped as malformed (not an event, or an object without a name). */
  malformed = 0;
  private delay: number;
  private hasSynced = false;
  private running: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly resource: WatchedResource,
    private readonly handlers: InformerHandlers<T>,
    options: {
      backoff?: BackoffOptions;
      /** Applied to every object as it arrives, before it is cached or handed on: keep what you read. */
      transform?: (object: T) => T;
    } = {},
  ) {
    this.transform = options.transform ?? ((object) => object);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delay = this.backoff.initialMs;
  }

  /** Starts listing and watching; resolves once the first list has succeeded or failed (then retries go on). */
  start(): Promise<void> {
    if (this.running !== undefined) return Promise.resolve();
    const running = new AbortController();
    this.running = running;
    return new Promise((firstListDone) => {
      this.loop = this.run(running.signal, () => firstListDone());
    });
  }

  async stop(): Promise<void> {
    this.running?.abort();
    this.running = undefined;
    await this.loop;
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  private async run(signal: AbortSignal, firstListDone: () => void): Promise<void> {
    let mustList = true;
    /** No watch event since the last list: a 410 now is the server's doing, not our age. */
    let justListed = false;
    while (!signal.aborted) {
      try {
        if (mustList) {
          await this.relist();
          mustList = false;
          justListed = true;
          this.delay = this.backoff.initialMs;
          firstListDone();
        }
        const started = Date.now();
        const events = await this.watchOnce(signal, () => (justListed = false));
        if (signal.aborted) break;
        if (events > 0 || Date.now() - started >= SHORT_WATCH_MS)
          this.delay = this.backoff.initialMs;
        else await this.pause(signal); // a server that closes watches at once must not spin us
      } catch (error) {
        firstListDone();
        if (signal.aborted) break;
        if (statusOf(error) === 410) {
          mustList = true; // too old to resume from: start over
          if (justListed) await this.pause(signal); // ... but not in a tight loop
          continue;
        }
        this.handlers.failed?.(error, this.delay);
        await this.pause(signal);
      }
    }
  }

  /** Replaces the cache with a fresh list, reporting what changed. */
  private async relist(): Promise<void> {
    const list = await this.api.request<ObjectList<T>>('GET', this.resource.path, {
      query: this.selectors(),
    });
    const before = new Map(this.cache);
    this.cache.clear();
    for (const item of list.items) {
      const object = this.transform(item);
      const key = keyOfObject(object);
      const previous = before.get(key);
      before.delete(key);
      this.cache.set(key, object);
      if (previous?.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
        this.handlers.changed(object);
      }
    }
    for (const gone of before.values()) this.handlers.deleted(gone);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.handlers.synced?.();
    }
  }

  /** One watch from the last resourceVersion, until the server ends it; resolves to the events seen. */
  private async watchOnce(signal: AbortSignal, onEvent: () => void): Promise<number> {
    let events = 0;
    const timeoutSeconds = WATCH_TIMEOUT_S.min + Math.floor(Math.random() * WATCH_TIMEOUT_S.spread);
    await this.api.watch(
      this.resource.path,
      {
        ...this.selectors(),
        watch: 'true',
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
      },
      (line) => {
        events++;
        this.apply(line);
        onEvent();
      },
      { idleMs: timeoutSeconds * 1000, signal },
    );
    return events;
  }

  private apply(line: unknown): void {
    const event = watchEventOf<T>(line);
    if (event === undefined) {
      this.malformed++; // not a watch event, or one without a named object: skip it
      return;
    }
    if (event.type === 'ERROR') {
      const status = event.object as Status;
      throw new ApiError(status.code ?? 0, status.reason ?? '', status.message ?? 'watch error');
    }
    const version = (event.object as T).metadata?.resourceVersion;
    if (version !== undefined && version !== '') this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const object = this.transform(event.object as T);
    const key = keyOfObject(object);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.handlers.deleted(object);
    } else {
      this.cache.set(key, object);
      this.handlers.changed(object);
    }
  }

  private selectors(): Query {
    return {
      fieldSelector: this.resource.fieldSelector,
      labelSelector: this.resource.labelSelector,
    };
  }

  /** Waits the current backoff (cut short by stop) and doubles it. */
  private async pause(signal: AbortSignal): Promise<void> {
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.backoff.maxMs);
    await waitOrAbort(wait, signal);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A watch line as an event, or undefined when it is not one the informer can use. */
function watchEventOf<T extends ObjectWithMeta>(line: unknown): WatchEvent<T> | undefined {
  if (typeof line !== 'object' || line === null) return undefined;
  const { type, object } = line as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return undefined;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  if (type === 'ERROR' || type === 'BOOKMARK') return line as WatchEvent<T>;
  const metadata = (object as ObjectWithMeta).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  if (typeof metadata.name !== 'string' || metadata.name === '') return undefined;
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') return undefined;
  if (metadata.resourceVersion !== undefined && typeof metadata.resourceVersion !== 'string')
    return undefined;
  return line as WatchEvent<T>;
}

function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

function keyOfObject(object: ObjectWithMeta): string {
  return keyOf(object.metadata?.namespace, object.metadata?.name ?? '');
}

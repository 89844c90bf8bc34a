/**
 * An informer that does not give up: list, then watch, through
 * client-node's ListWatch, restarted with exponential backoff after any
 * error (500, 429, an unreachable server); closed watches resume from the
 * last resourceVersion and a 410 lists again (ListWatch does both). The
 * controller is level-based, so a relist after a gap brings it back to the
 * truth: no change is lost, only coalesced.
 */
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
} from '@kubernetes/client-node';

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

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: ListWatch<T>;
  private readonly backoff: BackoffOptions;
  private stopped = false;
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private hasSynced = false;
  private failedSinceStart = false;

  constructor(
    kubeConfig: KubeConfig,
    path: string,
    list: ListPromise<T>,
    private readonly handlers: InformerHandlers<T>,
    options: { fieldSelector?: string; backoff?: BackoffOptions } = {},
  ) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delay = this.backoff.initialMs;
    this.informer = new ListWatch(
      path,
      new Watch(kubeConfig),
      list,
      false,
      undefined,
      options.fieldSelector,
    );
    this.informer.on('add', (object) => handlers.changed(object));
    this.informer.on('update', (object) => handlers.changed(object));
    this.informer.on('delete', (object) => handlers.deleted(object));
    this.informer.on('error', (error) => this.retry(error));
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.failedSinceStart = false;
    await this.informer.start();
    if (this.failedSinceStart || this.stopped) return;
    this.delay = this.backoff.initialMs;
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.handlers.synced?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer.stop();
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  private retry(error: unknown): void {
    this.failedSinceStart = true;
    if (this.stopped) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.backoff.maxMs);
    this.handlers.failed?.(error, wait);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) void this.start();
    }, wait);
  }
}

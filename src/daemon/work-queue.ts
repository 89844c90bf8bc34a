/**
 * The daemons' keyed work queue, as client-go's workqueue: a key is queued
 * once however often it changes, never worked twice at once, and a key
 * queued while it is being worked is worked again after. Working a key
 * reads the latest state, so coalescing changes loses none.
 */

/** The daemons' retry of a failed key: 100 ms, doubling, at most 10 s apart. */
export const DAEMON_RETRY_MS = { initialMs: 100, maxMs: 10_000 } as const;

export interface WorkQueueOptions {
  /** Works one key from the latest state. */
  readonly work: (key: string) => void | Promise<void>;
  /** Keys worked at once. */
  readonly concurrency: number;
  /** A key worked alone, before any other (the config, which every other key is worked against). */
  readonly first?: string;
  /** While this says no, keys wait in the queue (the speaker, until its caches are listed). */
  readonly open?: () => boolean;
  /** Starts work on the next turn of the event loop, so a burst of changes is worked once. */
  readonly nextTurn?: boolean;
  /**
   * A failed key is queued again after an exponential wait (doubling from
   * `initialMs` up to `maxMs`), and `failed` is told first. Without it a
   * failure is not caught.
   */
  readonly retry?: {
    readonly initialMs: number;
    readonly maxMs: number;
    readonly failed: (key: string, error: unknown, retryInMs: number) => void;
  };
}

export class KeyedWorkQueue {
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Failures in a row, by key. */
  private readonly retries = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private scheduled = false;
  private stopped = false;

  constructor(private readonly options: WorkQueueOptions) {}

  add(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    this.kick();
  }

  addAll(keys: Iterable<string>): void {
    if (this.stopped) return;
    for (const key of keys) this.queue.add(key);
    this.kick();
  }

  /** Takes keys again after `stop()`. */
  start(): void {
    this.stopped = false;
  }

  /** Drops further keys and starts no more work; work under way finishes. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Resolves when nothing is being worked and nothing is queued, or what is
   * queued waits for `open` (for tests and the lab).
   */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isOpen(): boolean {
    return this.options.open?.() ?? true;
  }

  private kick(): void {
    if (this.options.nextTurn !== true) {
      this.pump();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
      this.settle();
    });
  }

  /** Starts work while there are keys that nobody is working; the first key alone. */
  private pump(): void {
    const { concurrency, first } = this.options;
    while (!this.stopped && this.isOpen() && this.inFlight.size < concurrency) {
      if (first !== undefined && this.inFlight.has(first)) return;
      const key = this.nextKey();
      if (key === undefined) return;
      if (key === first && this.inFlight.size > 0) return; // let the others finish first
      this.queue.delete(key);
      this.inFlight.add(key);
      void this.run(key).finally(() => {
        this.inFlight.delete(key);
        if (this.queue.size > 0) this.kick();
        this.settle();
      });
    }
  }

  /** The first key when queued; otherwise the oldest key nobody is working on. */
  private nextKey(): string | undefined {
    const { first } = this.options;
    if (first !== undefined && this.queue.has(first)) return first;
    for (const key of this.queue) if (!this.inFlight.has(key)) return key;
    return undefined;
  }

  private async run(key: string): Promise<void> {
    try {
      await this.options.work(key);
      this.retries.delete(key);
    } catch (error) {
      const { retry } = this.options;
      if (retry === undefined) throw error;
      const attempt = (this.retries.get(key) ?? 0) + 1;
      this.retries.set(key, attempt);
      const wait = Math.min(retry.initialMs * 2 ** (attempt - 1), retry.maxMs);
      retry.failed(key, error, wait);
      setTimeout(() => this.add(key), wait);
    }
  }

  private settle(): void {
    if (this.inFlight.size > 0 || (this.queue.size > 0 && this.isOpen())) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

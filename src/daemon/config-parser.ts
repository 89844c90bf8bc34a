/**
 * Parses ConfigMap data off the daemon's event loop, in a worker thread
 * (config-worker.ts), one request at a time in the order asked, so a later
 * ConfigMap version's result never comes before an earlier one's. A parse
 * is bounded: past `timeoutMs`, or past the worker's heap limit, the
 * worker is ended and the config refused with an error that says so (the
 * daemon keeps the config in force); the next request gets a new worker.
 * v0.9 parsed on its one sync goroutine, so a slow parse held its queue
 * but not its metrics server; Node has one event loop, hence the thread.
 *
 * Data of at most `inlineMaxBytes` (4 KiB: real configs are a few hundred
 * bytes to 2 KiB) is parsed on the event loop, in its turn, as one short
 * slice: the worker's isolate costs each daemon 13-26 MiB (bench/config-parse) for as long as
 * it lives, which a config that parses in milliseconds does not justify
 * (`bench/config-parse` prints the slowest 4 KiB parses it finds).
 */
import { Worker } from 'node:worker_threads';
import { parseConfigData, type ConfigResult } from '../config/index.js';
import type { ConfigData } from '../k8s/index.js';

/** Parses ConfigMap data: the worker's, or an injected one in tests. */
export type ParseConfigData = (data: ConfigData) => Promise<ConfigResult>;

/** One request to the worker. */
export interface ParseRequest {
  readonly id: number;
  readonly data: ConfigData;
}

/** The worker's answer to the request of the same id, or its word that it is loaded (id 0). */
export type ParseReply =
  | { readonly id: number; readonly result: ConfigResult }
  | { readonly id: 0; readonly loaded: true };

export interface ConfigParserOptions {
  /** A parse that takes longer is refused. */
  readonly timeoutMs?: number;
  /** The worker's old-generation heap: a parse that needs more is refused. */
  readonly maxHeapMb?: number;
  /** Data of at most this many bytes is parsed on the event loop, without the worker. */
  readonly inlineMaxBytes?: number;
}

/**
 * A parse of a ConfigMap (at most 1 MiB) takes a few seconds of CPU at
 * most, and the manifests give a daemon 200m of CPU, so five times that
 * in wall-clock time; 30 s leaves that room and still refuses a parse that
 * would hold the config queue for good (the config in force works on).
 */
export const CONFIG_PARSE_TIMEOUT_MS = 30_000;
/**
 * A 1 MiB config of 16,000 pools parses within 128 MiB; beside the
 * daemon's own heap that stays within the manifests' 256Mi memory limit,
 * so a config that needs more is refused instead of the pod being
 * OOM-killed (v0.9 would have been killed too: a kill loop on every node).
 */
export const CONFIG_PARSE_HEAP_MB = 128;
/** See the file's comment: larger data goes to the worker. */
export const CONFIG_PARSE_INLINE_MAX_BYTES = 4096;

interface Pending {
  readonly request: ParseRequest;
  readonly resolve: (result: ConfigResult) => void;
}

const WORKER_URL = new URL('./config-worker.js', import.meta.url);

export class ConfigParser {
  private worker: Worker | null = null;
  /** The worker has loaded the parser: a request's time runs from then, not from its start. */
  private loaded = false;
  private readonly waiting: Pending[] = [];
  private current: { readonly pending: Pending; timer?: NodeJS.Timeout } | null = null;
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  private readonly inlineMaxBytes: number;

  constructor(options: ConfigParserOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? CONFIG_PARSE_TIMEOUT_MS;
    this.maxHeapMb = options.maxHeapMb ?? CONFIG_PARSE_HEAP_MB;
    this.inlineMaxBytes = options.inlineMaxBytes ?? CONFIG_PARSE_INLINE_MAX_BYTES;
  }

  /** Whether a worker thread is running (none until data larger than `inlineMaxBytes` comes). */
  get hasWorker(): boolean {
    return this.worker !== null;
  }

  /** Parses `data` as `parseConfigData` does, after every earlier request; never rejects. */
  readonly parse: ParseConfigData = (data) =>
    new Promise((resolve) => {
      this.waiting.push({ request: { id: this.nextId++, data }, resolve });
      this.next();
    });

  /** Ends the worker, refusing the request it was on; requests still waiting get a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    this.fail(worker, 'the parser was closed: config refused');
    await worker.terminate();
  }

  private next(): void {
    if (this.current !== null) return;
    const pending = this.waiting.shift();
    if (pending === undefined) return;
    if (dataBytes(pending.request.data) <= this.inlineMaxBytes) {
      this.current = { pending };
      // In its turn (after every earlier request), as a task of its own.
      setImmediate(() => this.finish(parseConfigData(pending.request.data)));
      return;
    }
    const worker = this.started();
    this.current = { pending };
    if (this.loaded) this.startClock(worker);
    worker.ref();
    worker.postMessage(pending.request);
  }

  /** The time bound of the request under way, from now. */
  private startClock(worker: Worker): void {
    const current = this.current;
    if (current === null || current.timer !== undefined) return;
    current.timer = setTimeout(
      () =>
        this.fail(
          worker,
          `parsing took longer than ${this.timeoutMs / 1000} s and was stopped: config refused`,
        ),
      this.timeoutMs,
    );
    current.timer.unref();
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(WORKER_URL, {
      // None of the process's Node options: some refuse a worker (`--input-type`), and V8's
      // (the image's `--max-semi-space-size`) are the process's anyway.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    this.loaded = false;
    worker.on('message', (reply: ParseReply) => {
      if ('loaded' in reply) {
        this.loaded = true;
        this.startClock(worker);
      } else this.answered(reply);
    });
    worker.on('error', (error) => {
      const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(
        worker,
        outOfMemory
          ? `parsing needed more than ${this.maxHeapMb} MiB and was stopped: config refused`
          : `parsing failed: ${String(error)}`,
      );
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.fail(worker, 'the parsing thread exited: config refused');
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private answered(reply: { readonly id: number; readonly result: ConfigResult }): void {
    const current = this.current;
    if (current === null || current.pending.request.id !== reply.id) return;
    this.finish(reply.result);
  }

  /** Ends `worker` (a new one takes the next request) and refuses the request it was on. */
  private fail(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    if (this.current !== null)
      this.finish({ ok: false, errors: [{ path: '', line: null, message }] });
  }

  private finish(result: ConfigResult): void {
    const current = this.current;
    if (current === null) return;
    clearTimeout(current.timer);
    this.current = null;
    if (this.waiting.length === 0) this.worker?.unref();
    current.pending.resolve(result);
    this.next();
  }
}

/** The UTF-8 size of every data value. */
function dataBytes(data: ConfigData): number {
  let bytes = 0;
  for (const value of Object.values(data)) bytes += Buffer.byteLength(value, 'utf8');
  return bytes;
}

let shared: ConfigParser | undefined;

/** The process's one parser, which every ConfigKeeper of the process uses by default. */
export function sharedConfigParser(): ConfigParser {
  shared ??= new ConfigParser();
  return shared;
}

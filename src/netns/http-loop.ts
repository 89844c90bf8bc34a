/**
 * A bounded HTTP loop run in the client namespace (http-probe.js), seen
 * from the process that started it: a 'result' event per request.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { isRecord } from './ip-json.js';

/** One request of an HTTP loop, as http-probe.js printed it. */
export interface HttpProbeResult {
  /** When the request started, Unix ms. */
  t: number;
  /** The address it went to (one of the loop's `ip`). */
  host: string;
  ok: boolean;
  /** The node that answered (its backend's body), null when it failed. */
  node: string | null;
  /** How long it took. */
  ms: number;
  error?: string;
}

export interface HttpLoopOptions {
  /** Where requests go; several addresses are taken in turn, round robin. */
  ip: string | readonly string[];
  port: number;
  /** Time between request starts. */
  intervalMs: number;
  /** The loop stops after this long... */
  durationMs: number;
  /** ...or after this many requests, whichever comes first. */
  maxRequests: number;
  /** A request without an answer by then fails. */
  timeoutMs: number;
}

function parseProbeResult(line: string): HttpProbeResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { t, host, ok, node, ms, error } = value;
  if (typeof t !== 'number' || typeof ok !== 'boolean' || typeof ms !== 'number') return undefined;
  if (typeof host !== 'string') return undefined;
  if (node !== null && typeof node !== 'string') return undefined;
  const result: HttpProbeResult = { t, host, ok, node, ms };
  if (typeof error === 'string') result.error = error;
  return result;
}

export interface HttpLoopEvents {
  result: [HttpProbeResult];
}

/** A running http-probe: a 'result' event per request; `done` once it stopped by itself. */
export class HttpLoop extends EventEmitter<HttpLoopEvents> {
  readonly results: HttpProbeResult[] = [];
  /** Resolves with every result when the probe exits 0; rejects when it fails or is stopped. */
  readonly done: Promise<HttpProbeResult[]>;

  constructor(private readonly child: ChildProcess) {
    super();
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const lines = child.stdout ? createInterface({ input: child.stdout }) : undefined;
    lines?.on('line', (line) => {
      const result = parseProbeResult(line);
      if (result === undefined) {
        stderr.push(`unexpected line: ${line}\n`);
        return;
      }
      this.results.push(result);
      this.emit('result', result);
    });
    this.done = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        if (code === 0) resolve(this.results);
        else {
          const why = signal ?? `exit ${code ?? '?'}`;
          reject(new Error(`http-probe failed (${why}): ${stderr.join('').trim()}`));
        }
      });
    });
    // Whoever awaits `done` sees a failure; nobody awaiting it is not a crash.
    this.done.catch(() => undefined);
  }

  /** Ends the loop early (SIGTERM); `done` then rejects. */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

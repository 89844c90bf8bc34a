/**
 * Faults a test can inject into the lab, through `Lab.faults` in process
 * or `POST /lab/faults` over HTTP (same bearer token): fail the next N
 * requests with 500 or 429, delay every response, pause writes (they wait
 * until resumed), and the store's own close-every-watch and expire-history.
 * A failure count over MAX_FAILED_REQUESTS is refused (a 400 over HTTP),
 * not capped: a test that asks for more means something else than it says,
 * and a huge count would leave the lab failing every request until cleared.
 */
import { ApiError } from './status.js';

export type FaultCommand =
  | { readonly action: 'fail'; readonly count: number; readonly code: 500 | 429 }
  | { readonly action: 'delay'; readonly milliseconds: number }
  | { readonly action: 'pause-writes' }
  | { readonly action: 'resume-writes' }
  | { readonly action: 'close-watches' }
  | { readonly action: 'expire-history' }
  | { readonly action: 'clear' };

/** The most requests one `fail` command may fail. */
export const MAX_FAILED_REQUESTS = 10_000;

export class Faults {
  private failures = 0;
  private failureCode: 500 | 429 = 500;
  private delay = 0;
  private paused = false;
  private readonly waiting: (() => void)[] = [];

  /** Fail the next `count` API requests with `code`. */
  failNext(count: number, code: 500 | 429): void {
    if (!validFailureCount(count)) throw new RangeError(FAILURE_COUNT_RULE);
    this.failures = count;
    this.failureCode = code;
  }

  delayResponses(milliseconds: number): void {
    this.delay = milliseconds;
  }

  pauseWrites(): void {
    this.paused = true;
  }

  resumeWrites(): void {
    this.paused = false;
    for (const release of this.waiting.splice(0)) release();
  }

  clear(): void {
    this.failures = 0;
    this.delay = 0;
    this.resumeWrites();
  }

  /** Before an API request: wait, or fail it. */
  async beforeRequest(isWrite: boolean): Promise<void> {
    if (this.delay > 0) await new Promise((resolve) => setTimeout(resolve, this.delay));
    if (this.failures > 0) {
      this.failures--;
      throw this.failureCode === 429
        ? new ApiError(
            429,
            'TooManyRequests',
            'the lab was asked to refuse this request (fault injection)',
            { retryAfterSeconds: 1 },
          )
        : new ApiError(
            500,
            'InternalError',
            'the lab was asked to fail this request (fault injection)',
          );
    }
    if (isWrite && this.paused) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
}

/** A fault command from JSON, or why it is not one. */
export function parseFaultCommand(body: unknown): FaultCommand | string {
  if (typeof body !== 'object' || body === null) return 'expected a JSON object with an "action"';
  const record = body as Record<string, unknown>;
  switch (record['action']) {
    case 'fail': {
      const count = record['count'];
      const code = record['code'] ?? 500;
      if (!validFailureCount(count)) return FAILURE_COUNT_RULE;
      if (code !== 500 && code !== 429) return '"code" must be 500 or 429';
      return { action: 'fail', count, code };
    }
    case 'delay': {
      const ms = record['milliseconds'];
      if (typeof ms !== 'number' || ms < 0 || ms > 60_000)
        return '"milliseconds" must be 0 to 60000';
      return { action: 'delay', milliseconds: ms };
    }
    case 'pause-writes':
    case 'resume-writes':
    case 'close-watches':
    case 'expire-history':
    case 'clear':
      return { action: record['action'] };
    default:
      return 'unknown "action": use fail, delay, pause-writes, resume-writes, close-watches, expire-history or clear';
  }
}

const FAILURE_COUNT_RULE = `"count" must be a whole number from 0 to ${MAX_FAILED_REQUESTS}`;

function validFailureCount(count: unknown): count is number {
  return (
    typeof count === 'number' &&
    Number.isInteger(count) &&
    count >= 0 &&
    count <= MAX_FAILED_REQUESTS
  );
}

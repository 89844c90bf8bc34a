/**
 * The reconnect delays of a BGP session, as v0.9 spaced them: the first
 * attempt at once, then 1 s, 2 s, 4 s ... doubling up to a cap of two
 * minutes, and back to "at once" when a session reaches Established
 * (docs/COMPAT.md section 3, v0.9 wire notes).
 */
export interface ReconnectBackoffOptions {
  /** The delay after the first failure. Default 1000 ms (v0.9). */
  readonly initialMs?: number;
  /** The longest delay. Default 120000 ms (v0.9's two minutes). */
  readonly maxMs?: number;
}

export const DEFAULT_RECONNECT_BACKOFF: Required<ReconnectBackoffOptions> = {
  initialMs: 1000,
  maxMs: 120_000,
};

export class ReconnectBackoff {
  private failures = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(options: ReconnectBackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULT_RECONNECT_BACKOFF.initialMs;
    this.maxMs = options.maxMs ?? DEFAULT_RECONNECT_BACKOFF.maxMs;
  }

  /** The delay before the next attempt, counting this call as one more failure. */
  next(): number {
    const attempt = this.failures;
    this.failures += 1;
    if (attempt === 0) return 0;
    // 2^(attempt-1) without overflow: once past the cap, stay there.
    const exponent = Math.min(attempt - 1, 30);
    return Math.min(this.initialMs * 2 ** exponent, this.maxMs);
  }

  /** Established: the next failure reconnects at once again. */
  reset(): void {
    this.failures = 0;
  }
}

/**
 * When to send gratuitous announcements: v0.9.6's spam loop (internal/layer2/announcer.go
 * spamLoop), as a pure state machine. The caller passes the clock and arms one timer for
 * `nextDeadline()`.
 *
 * v0.9.6 keeps, per address, a stop time, and one ticker that fires every 1.1 s from the
 * announcer's start, whatever is announced:
 * - every SetBalancer of an announced address (a take-over, and every resync after it: a
 *   Service or Endpoints change, a memberlist event, a config reload) sets the address's stop
 *   time to 5 s from now; when the address had no stop time, a round is sent at once;
 * - at each tick, an address whose stop time has passed is dropped, and every other one gets
 *   a round (a tick exactly at the stop time still sends).
 * So a burst is 5 or 6 rounds, depending on where the take-over falls between two ticks: one
 * at once, then one at every tick up to 5 s later; a resync during a burst lengthens it
 * without an extra round, a resync after it starts a new one.
 *
 * One deliberate difference: v0.9 keeps a released address's stop time (and sends nothing
 * for it), so an address taken back within the burst waited for the next tick; here release
 * forgets it and a take-back sends at once.
 */

/** The knobs of the announcement schedule, each with v0.9's value. Times in milliseconds. */
export interface GratuitousTimings {
  /** The ticker's period. v0.9: 1100 ms. */
  readonly interval: number;
  /** How long after the last request an address is still announced at the ticks. v0.9: 5000 ms. */
  readonly duration: number;
}

/** v0.9's ticker period. */
export const GRATUITOUS_INTERVAL_MS = 1100;

/** v0.9's announcement period after the last SetBalancer. */
export const GRATUITOUS_DURATION_MS = 5000;

/** The v0.9 schedule. */
export const DEFAULT_GRATUITOUS_TIMINGS: GratuitousTimings = {
  interval: GRATUITOUS_INTERVAL_MS,
  duration: GRATUITOUS_DURATION_MS,
};

/** Which addresses are being announced, until when, and when the ticker fires next. */
export class GratuitousSchedule {
  /** Per address, the time after which the ticks stop announcing it (v0.9's map m). */
  private readonly until = new Map<string, number>();
  private readonly timings: GratuitousTimings;
  private nextTick: number;

  /**
   * `epoch` is when the ticker started (v0.9: when the announcer was made): ticks fall at
   * epoch + k × interval, k ≥ 1. Throws a RangeError unless interval and duration are positive
   * finite numbers and epoch is finite.
   */
  constructor(
    timings: GratuitousTimings = DEFAULT_GRATUITOUS_TIMINGS,
    private readonly epoch = 0,
  ) {
    if (!(timings.interval > 0) || !Number.isFinite(timings.interval)) {
      throw new RangeError(`interval must be a positive number of ms, got ${timings.interval}`);
    }
    if (!(timings.duration > 0) || !Number.isFinite(timings.duration)) {
      throw new RangeError(`duration must be a positive number of ms, got ${timings.duration}`);
    }
    if (!Number.isFinite(epoch)) throw new RangeError(`epoch must be finite, got ${epoch}`);
    this.timings = { ...timings };
    this.nextTick = epoch + timings.interval;
  }

  /**
   * v0.9's doSpam, called on every SetBalancer of `ip`: announces it until `duration` after
   * `now`. Returns true when a round is due at once (`ip` was not being announced). Addresses
   * are keyed by their exact text: pass one form per address (canonical text, for example).
   */
  request(ip: string, now: number): boolean {
    if (this.until.size === 0) this.nextTick = this.tickAfter(now); // the idle ticks did nothing
    const fresh = !this.until.has(ip);
    this.until.set(ip, now + this.timings.duration);
    return fresh;
  }

  /** Stops announcing `ip` at once. Returns false when it was not being announced. */
  release(ip: string): boolean {
    return this.until.delete(ip);
  }

  /**
   * One tick: nothing before `nextDeadline()`; at or after it, the addresses whose stop time
   * has not passed, in request order (each gets a round), dropping the others. A late timer
   * makes one tick, as Go's ticker drops the ticks its reader missed.
   */
  due(now: number): string[] {
    if (this.until.size === 0 || now < this.nextTick) return [];
    this.nextTick = this.tickAfter(now);
    const ready: string[] = [];
    for (const [ip, until] of this.until) {
      if (now > until) this.until.delete(ip);
      else ready.push(ip);
    }
    return ready;
  }

  /** When the next tick that can send is due, or null when nothing is being announced. */
  nextDeadline(): number | null {
    return this.until.size === 0 ? null : this.nextTick;
  }

  /** True while `ip` is being announced (its stop time is not yet dropped). */
  isAnnouncing(ip: string): boolean {
    return this.until.has(ip);
  }

  /** The addresses being announced, in request order. */
  announcing(): string[] {
    return [...this.until.keys()];
  }

  /** The first tick strictly after `time`. */
  private tickAfter(time: number): number {
    const { interval } = this.timings;
    return this.epoch + (Math.floor((time - this.epoch) / interval) + 1) * interval;
  }
}

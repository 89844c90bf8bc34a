/**
 * When to send gratuitous announcements: at once when an address is taken over, then again
 * every `interval` while less than `duration` has passed since the takeover. This is v0.9's
 * Announce.spam loop (send; sleep 1.1 s; repeat while less than 5 s since the start), which
 * makes 5 rounds, at 0, 1.1, 2.2, 3.3 and 4.4 s. Pure: the caller passes the clock and arms
 * one timer for `nextDeadline()`.
 */

/** The knobs of the announcement schedule, each with v0.9's value. Times in milliseconds. */
export interface GratuitousTimings {
  /**
   * Time from one round to the next, counted from when the round was actually sent (a late
   * timer delays the following rounds, as v0.9's sleep did). v0.9: 1100 ms.
   */
  readonly interval: number;
  /**
   * Rounds are sent while less than this has passed since the takeover; with the default
   * interval that is 5 rounds (see GRATUITOUS_ROUNDS). v0.9: 5000 ms.
   */
  readonly duration: number;
}

/** v0.9's interval between announcement rounds. */
export const GRATUITOUS_INTERVAL_MS = 1100;

/** v0.9's announcement period after a takeover. */
export const GRATUITOUS_DURATION_MS = 5000;

/** Rounds per takeover with the defaults and a punctual timer: ceil(5000 / 1100) = 5. */
export const GRATUITOUS_ROUNDS = 5;

/** The v0.9 schedule. */
export const DEFAULT_GRATUITOUS_TIMINGS: GratuitousTimings = {
  interval: GRATUITOUS_INTERVAL_MS,
  duration: GRATUITOUS_DURATION_MS,
};

interface Announcement {
  readonly start: number;
  next: number;
}

/** Which addresses are being announced and when their next round is due. */
export class GratuitousSchedule {
  private readonly announcements = new Map<string, Announcement>();
  private readonly timings: GratuitousTimings;

  /** Throws a RangeError unless interval and duration are positive finite numbers. */
  constructor(timings: GratuitousTimings = DEFAULT_GRATUITOUS_TIMINGS) {
    if (!(timings.interval > 0) || !Number.isFinite(timings.interval)) {
      throw new RangeError(`interval must be a positive number of ms, got ${timings.interval}`);
    }
    if (!(timings.duration > 0) || !Number.isFinite(timings.duration)) {
      throw new RangeError(`duration must be a positive number of ms, got ${timings.duration}`);
    }
    this.timings = { ...timings };
  }

  /**
   * Starts announcing `ip`; its first round is due at `now`. Returns false, changing nothing,
   * when `ip` is already being announced (v0.9 ignored a repeated SetBalancer too). Addresses
   * are keyed by their exact text: pass one form per address (canonical text, for example).
   */
  takeOver(ip: string, now: number): boolean {
    if (this.announcements.has(ip)) return false;
    this.announcements.set(ip, { start: now, next: now });
    return true;
  }

  /** Stops announcing `ip` at once. Returns false when it was not being announced. */
  release(ip: string): boolean {
    return this.announcements.delete(ip);
  }

  /**
   * The addresses whose round is due at `now`, in takeover order. Each returned address counts
   * as announced at `now`: its next round is `now + interval`, or it is done when that is
   * `duration` or more after its takeover.
   */
  due(now: number): string[] {
    const ready: string[] = [];
    for (const [ip, announcement] of this.announcements) {
      if (announcement.next > now) continue;
      ready.push(ip);
      const next = now + this.timings.interval;
      if (next - announcement.start >= this.timings.duration) this.announcements.delete(ip);
      else announcement.next = next;
    }
    return ready;
  }

  /** When the earliest round is due, or null when nothing is being announced. */
  nextDeadline(): number | null {
    let earliest: number | null = null;
    for (const { next } of this.announcements.values()) {
      if (earliest === null || next < earliest) earliest = next;
    }
    return earliest;
  }

  /** True while `ip` still has rounds to send. */
  isAnnouncing(ip: string): boolean {
    return this.announcements.has(ip);
  }

  /** The addresses that still have rounds to send, in takeover order. */
  announcing(): string[] {
    return [...this.announcements.keys()];
  }
}

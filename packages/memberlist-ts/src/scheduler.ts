/**
 * A timer wheel for pure state machines: the state schedules work at
 * absolute times of an injected clock, and whoever drives it (a test, or the
 * I/O shell with a real `setTimeout`) calls `runDue(now)` and asks
 * `nextAt()` when to come back. Nothing here reads a real clock.
 */

export type TimerId = number;

interface Entry {
  readonly id: TimerId;
  readonly at: number;
  readonly run: () => void;
}

export class Scheduler {
  private readonly entries = new Map<TimerId, Entry>();
  private lastId = 0;

  /** Runs `run` at the first `runDue(now)` with `now >= at`. */
  at(at: number, run: () => void): TimerId {
    const id = ++this.lastId;
    this.entries.set(id, { id, at, run });
    return id;
  }

  cancel(id: TimerId | undefined): void {
    if (id !== undefined) this.entries.delete(id);
  }

  /** When the earliest pending timer is due, or undefined when none is. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values())
      if (next === undefined || entry.at < next) next = entry.at;
    return next;
  }

  /**
   * Runs every timer due by `now`, earliest first (ties in the order they
   * were set), including timers that running ones set for a time already due.
   */
  runDue(now: number): void {
    for (;;) {
      let due: Entry | undefined;
      for (const entry of this.entries.values()) {
        if (entry.at > now) continue;
        if (due === undefined || entry.at < due.at || (entry.at === due.at && entry.id < due.id))
          due = entry;
      }
      if (due === undefined) return;
      this.entries.delete(due.id);
      due.run();
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

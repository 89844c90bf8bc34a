/**
 * Events as the real event recorder writes them: one Event per object,
 * reason and message, whose count and lastTimestamp go up on repeats
 * instead of a new Event each time. Failures to record are reported to the
 * caller's log, never thrown: an Event is worth less than the work it
 * describes.
 */
import { randomInt } from 'node:crypto';
import { eventPath } from './paths.js';
import { MERGE_PATCH, statusOf, type ApiClient } from './rest.js';
import type { Event, ObjectReference } from './wire.js';

export type EventType = 'Normal' | 'Warning';

/** Like the real recorder's cache: the most recent distinct events only. */
const CACHE_LIMIT = 4096;
/**
 * Events written at once: as many as the controller converges Services at
 * once, so a burst of Events (one per Service assigned at a start) keeps
 * pace with the status writes on connections of its own, and no more
 * (unbounded, the 1,000 Events of bench/restart's start opened a
 * connection each beyond the pool's, a TLS handshake apiece). client-go's
 * broadcaster, which v0.9 used (internal/k8s/k8s.go, StartRecordingToSink),
 * queues Events too, and writes them one at a time (tools/record/event.go).
 */
const WRITERS = 16;

interface Recorded {
  readonly name: string;
  count: number;
}

export class EventRecorder {
  private readonly recorded = new Map<string, Recorded>();
  /** Writes under way, at most WRITERS. */
  private writing = 0;
  /** Writes waiting for one under way to end, in the order recorded. */
  private readonly queued: (() => void)[] = [];

  constructor(
    private readonly api: ApiClient,
    /** `metallb-controller` or `metallb-speaker`. */
    private readonly component: string,
    private readonly now: () => Date = () => new Date(),
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Queues the Event and resolves once it is written (or its failure
   * reported); at most WRITERS are written at once, the rest in the order
   * recorded. The time is the recording's, not the write's.
   */
  async record(
    object: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const at = this.now();
    if (this.writing < WRITERS) this.writing++;
    // A write that ends hands its place on to the first one waiting.
    else await new Promise<void>((resolve) => this.queued.push(resolve));
    try {
      await this.write(object, type, reason, message, at);
    } finally {
      const next = this.queued.shift();
      if (next === undefined) this.writing--;
      else next();
    }
  }

  /** Writes one Event: a new one, or a count and time more on the one already written. */
  private async write(
    object: ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    at: Date,
  ): Promise<void> {
    const namespace = object.namespace ?? 'default';
    const key = [object.kind, namespace, object.name, object.uid, type, reason, message].join(
      '\u0000',
    );
    const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      const seen = this.recorded.get(key);
      if (seen !== undefined) {
        try {
          seen.count++;
          await this.api.request('PATCH', eventPath(namespace, seen.name), {
            body: { count: seen.count, lastTimestamp: timestamp },
            contentType: MERGE_PATCH,
          });
          return;
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
          this.recorded.delete(key); // deleted (events expire): write a new one
        }
      }
      const event: Event = {
        metadata: { name: eventName(object.name, at), namespace },
        involvedObject: object,
        type,
        reason,
        message,
        source: { component: this.component },
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
        reportingComponent: this.component,
      };
      let name = event.metadata.name ?? '';
      for (let attempt = 1; ; attempt++) {
        try {
          await this.api.request('POST', eventPath(namespace, ''), { body: event });
          break;
        } catch (error) {
          // Another recorder (a speaker on another node) took the name: draw another.
          if (statusOf(error) !== 409 || attempt >= 3) throw error;
          name = eventName(object.name, at);
          event.metadata.name = name;
        }
      }
      this.recorded.set(key, { name, count: 1 });
      if (this.recorded.size > CACHE_LIMIT) {
        const oldest = this.recorded.keys().next().value;
        if (oldest !== undefined) this.recorded.delete(oldest);
      }
    } catch (error) {
      this.onError(error);
    }
  }
}

/**
 * The real recorder names an Event after its object and the time in
 * hexadecimal nanoseconds. A Date has milliseconds only, so the nanoseconds
 * are drawn at random: speakers on several nodes record Events for the same
 * Service in the same millisecond, and must not pick the same name.
 */
function eventName(objectName: string | undefined, at: Date): string {
  const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(randomInt(1_000_000));
  return `${objectName ?? 'object'}.${nanos.toString(16)}`;
}

/** The reference an Event names its object by (core/v1 kinds: Service, ConfigMap). */
export function referenceTo(
  kind: string,
  object: { metadata?: { name?: string; namespace?: string; uid?: string } },
): ObjectReference {
  return {
    kind,
    apiVersion: 'v1',
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace ?? 'default',
    uid: object.metadata?.uid ?? '',
  };
}

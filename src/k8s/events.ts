/**
 * Events as the real event recorder writes them: one Event per object,
 * reason and message, whose count and lastTimestamp go up on repeats
 * instead of a new Event each time. Failures to record are reported to the
 * caller's log, never thrown: an Event is worth less than the work it
 * describes.
 */
import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type CoreV1Event,
  type V1ObjectReference,
} from '@kubernetes/client-node';

export type EventType = 'Normal' | 'Warning';

/** Like the real recorder's cache: the most recent distinct events only. */
const CACHE_LIMIT = 4096;

interface Recorded {
  readonly name: string;
  count: number;
}

export class EventRecorder {
  private readonly recorded = new Map<string, Recorded>();

  constructor(
    private readonly core: CoreV1Api,
    /** `metallb-controller` or `metallb-speaker`. */
    private readonly component: string,
    private readonly now: () => Date = () => new Date(),
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  async record(
    object: V1ObjectReference,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const namespace = object.namespace ?? 'default';
    const key = [object.kind, namespace, object.name, object.uid, type, reason, message].join(
      '\u0000',
    );
    const at = this.now();
    const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      const seen = this.recorded.get(key);
      if (seen !== undefined) {
        try {
          seen.count++;
          await this.core.patchNamespacedEvent(
            { name: seen.name, namespace, body: { count: seen.count, lastTimestamp: timestamp } },
            mergePatch(),
          );
          return;
        } catch (error) {
          if ((error as { code?: number }).code !== 404) throw error;
          this.recorded.delete(key); // deleted (events expire): write a new one
        }
      }
      // The real recorder names an Event after its object and the time in hexadecimal nanoseconds.
      const name = `${object.name ?? 'object'}.${(BigInt(at.getTime()) * 1_000_000n + BigInt(this.recorded.size)).toString(16)}`;
      const event: CoreV1Event = {
        metadata: { name, namespace },
        involvedObject: object,
        type,
        reason,
        message,
        source: { component: this.component },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
        reportingComponent: this.component,
      };
      await this.core.createNamespacedEvent({ namespace, body: event });
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

function mergePatch(): ReturnType<typeof setHeaderOptions> {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}

/** The reference an Event names its object by (core/v1 kinds: Service, ConfigMap). */
export function referenceTo(
  kind: string,
  object: { metadata?: { name?: string; namespace?: string; uid?: string } },
): V1ObjectReference {
  return {
    kind,
    apiVersion: 'v1',
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace ?? 'default',
    uid: object.metadata?.uid ?? '',
  };
}

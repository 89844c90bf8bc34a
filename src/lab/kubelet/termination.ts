/**
 * Graceful deletion of a Pod that runs on a node
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
 * a DELETE only marks it (`deletionTimestamp` = now + the grace period,
 * `deletionGracePeriodSeconds`), and it stays, Terminating, until its
 * kubelet has ended its containers (SIGTERM, then SIGKILL when the period
 * is over) and deletes it for good with a grace period of 0. A Pod never
 * bound to a node, or a DELETE with a grace period of 0 (`--force
 * --grace-period=0`), deletes at once; a second DELETE of a Pod already
 * marked changes nothing unless its period is shorter.
 */
import { timestamp } from '../conditions.js';
import type { DeleteOptions, GracefulDeletion } from '../registry.js';
import type { ResourceType } from '../resources.js';
import { objectAt, stringAt, type JsonObject } from '../json.js';

/** The Pod's `terminationGracePeriodSeconds`, 30 when unset (the API server's default). */
export function podGraceSeconds(pod: JsonObject): number {
  const grace = objectAt(pod, 'spec')['terminationGracePeriodSeconds'];
  return typeof grace === 'number' ? grace : 30;
}

export class PodTermination implements GracefulDeletion {
  constructor(
    private readonly now: () => Date,
    /** Whether a kubelet runs this node (the lab's other pods have none, and go at once). */
    private readonly hasKubelet: (node: string) => boolean,
  ) {}

  deleting(type: ResourceType, pod: JsonObject, options: DeleteOptions): JsonObject | undefined {
    if (type.group !== '' || type.kind !== 'Pod') return undefined;
    const spec = objectAt(pod, 'spec');
    const node = stringAt(spec, 'nodeName');
    if (node === undefined || !this.hasKubelet(node)) return undefined;
    const metadata = objectAt(pod, 'metadata');
    const grace = options.gracePeriodSeconds ?? podGraceSeconds(pod);
    const marked = metadata['deletionGracePeriodSeconds'];
    if (grace <= 0) return undefined;
    if (typeof marked === 'number' && grace >= marked) return pod;
    const at = timestamp(new Date(this.now().getTime() + grace * 1000));
    return {
      ...pod,
      metadata: { ...metadata, deletionTimestamp: at, deletionGracePeriodSeconds: grace },
    };
  }
}

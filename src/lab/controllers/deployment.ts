/**
 * The Deployment controller's decisions, pure: which ReplicaSets exist and
 * how many Pods each holds, which Pods to create and delete, and the status
 * `kubectl rollout status` reads
 * (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/).
 *
 * Pods carry `pod-template-hash`, the hash of the template they were made
 * from; each hash has its ReplicaSet `<deployment>-<hash>`, and each Pod is
 * named `<deployment>-<hash>-<random>` and owned by it.
 * - `Recreate`: every old Pod is deleted, and new Pods are created only
 *   once no old Pod is left, not even a terminating one ("All existing Pods
 *   are killed before new ones are created").
 * - `RollingUpdate` (maxSurge 25% rounded up, maxUnavailable 25% rounded
 *   down by default): new Pods up to `replicas + maxSurge` in all, old
 *   ones deleted while at least `replicas - maxUnavailable` stay available.
 */
import { timestamp } from '../conditions.js';
import { objectAt, stringAt, type JsonObject } from '../json.js';
import {
  controllerReference,
  availability,
  isLive,
  isReady,
  isTerminating,
  labelOf,
  nameOf,
  podFromTemplate,
  scaledValue,
  templateHash,
} from './pods.js';

export const TEMPLATE_HASH_LABEL = 'pod-template-hash';

export interface DeploymentPlan {
  /** The ReplicaSets as they should be (spec and status), the current one first. */
  readonly replicaSets: JsonObject[];
  readonly create: JsonObject[];
  readonly delete: string[];
  readonly status: JsonObject;
}

export function planDeployment(
  deployment: JsonObject,
  pods: readonly JsonObject[],
  now: Date,
): DeploymentPlan {
  const spec = objectAt(deployment, 'spec');
  const template = objectAt(spec, 'template');
  const hash = templateHash(template);
  const replicas = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
  const available = availability(spec, now);
  const isNew = (pod: JsonObject): boolean => labelOf(pod, TEMPLATE_HASH_LABEL) === hash;
  const live = pods.filter(isLive);
  const newLive = live.filter(isNew);
  const oldLive = live.filter((p) => !isNew(p));
  const oldTerminating = pods.filter((p) => isTerminating(p) && !isNew(p));
  const replicaSetName = `${nameOf(deployment)}-${hash}`;
  const newPods = (count: number): JsonObject[] =>
    Array.from({ length: Math.max(0, count) }, () =>
      podFromTemplate(template, replicaSetOf(deployment, hash, replicas), `${replicaSetName}-`, {
        [TEMPLATE_HASH_LABEL]: hash,
      }),
    );
  // Which Pods go first: not ready before ready, as the ReplicaSet controller ranks them.
  const byReadiness = (list: readonly JsonObject[]): JsonObject[] =>
    [...list].sort((a, b) => Number(isReady(a)) - Number(isReady(b)));
  const create: JsonObject[] = [];
  const remove: JsonObject[] = [];
  const strategy = objectAt(spec, 'strategy');
  if (stringAt(strategy, 'type') === 'Recreate') {
    if (oldLive.length > 0) remove.push(...oldLive);
    else if (oldTerminating.length === 0) create.push(...newPods(replicas - newLive.length));
  } else {
    const rolling = objectAt(strategy, 'rollingUpdate');
    const maxSurge = scaledValue(rolling['maxSurge'], replicas, '25%', 'up');
    const maxUnavailable = Math.max(
      maxSurge === 0 ? 1 : 0,
      scaledValue(rolling['maxUnavailable'], replicas, '25%', 'down'),
    );
    const room = replicas + maxSurge - live.length;
    create.push(...newPods(Math.min(replicas - newLive.length, room)));
    let removable = live.filter(available).length - (replicas - maxUnavailable);
    for (const pod of byReadiness(oldLive)) {
      if (!available(pod)) remove.push(pod);
      else if (removable > 0) {
        remove.push(pod);
        removable--;
      }
    }
  }
  if (newLive.length > replicas)
    remove.push(...byReadiness(newLive).slice(0, newLive.length - replicas));
  const after = (list: readonly JsonObject[]): JsonObject[] =>
    list.filter((p) => !remove.includes(p));
  const hashes = [
    hash,
    ...new Set(
      pods.map((p) => labelOf(p, TEMPLATE_HASH_LABEL) ?? '').filter((h) => h !== '' && h !== hash),
    ),
  ];
  const replicaSets = hashes.map((h) => {
    const mine = after(live).filter((p) => labelOf(p, TEMPLATE_HASH_LABEL) === h);
    const set = replicaSetOf(deployment, h, h === hash ? replicas : mine.length);
    return {
      ...set,
      status: {
        replicas: mine.length,
        readyReplicas: mine.filter(isReady).length,
        availableReplicas: mine.filter(available).length,
        observedGeneration: 1,
      },
    };
  });
  const availableCount = live.filter(available).length;
  const complete =
    newLive.length === replicas &&
    oldLive.length === 0 &&
    newLive.filter(available).length === replicas;
  const stamp = timestamp(now);
  const status: JsonObject = {
    observedGeneration: objectAt(deployment, 'metadata')['generation'] ?? 1,
    replicas: live.length,
    updatedReplicas: newLive.length,
    readyReplicas: live.filter(isReady).length,
    availableReplicas: availableCount,
    unavailableReplicas: Math.max(0, replicas - availableCount),
    conditions: [
      {
        type: 'Available',
        status: availableCount >= replicas ? 'True' : 'False',
        reason:
          availableCount >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        lastUpdateTime: stamp,
        lastTransitionTime: stamp,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        message: `ReplicaSet "${replicaSetName}" ${complete ? 'has successfully progressed.' : 'is progressing.'}`,
        lastUpdateTime: stamp,
        lastTransitionTime: stamp,
      },
    ],
  };
  return { replicaSets, create, delete: remove.map(nameOf), status };
}

/** The ReplicaSet of one template hash (without status). */
function replicaSetOf(deployment: JsonObject, hash: string, replicas: number): JsonObject {
  const spec = objectAt(deployment, 'spec');
  const template = objectAt(spec, 'template');
  const templateMeta = objectAt(template, 'metadata');
  const hashLabel = { [TEMPLATE_HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${nameOf(deployment)}-${hash}`,
      namespace: objectAt(deployment, 'metadata')['namespace'] ?? '',
      labels: { ...objectAt(templateMeta, 'labels'), ...hashLabel },
      ownerReferences: [controllerReference(deployment)],
    },
    spec: {
      replicas,
      selector: {
        ...objectAt(spec, 'selector'),
        matchLabels: { ...objectAt(objectAt(spec, 'selector'), 'matchLabels'), ...hashLabel },
      },
      template: {
        ...template,
        metadata: {
          ...templateMeta,
          labels: { ...objectAt(templateMeta, 'labels'), ...hashLabel },
        },
      },
    },
  };
}

/**
 * The DaemonSet controller's decisions, pure: which Pods to create and
 * delete so that every fitting node runs one Pod of the current template,
 * and the status `kubectl rollout status` reads.
 *
 * - One Pod per node the Pod fits (nodeSelector, taints against
 *   tolerations). A DaemonSet's Pods tolerate a cordon and the node
 *   conditions' taints, so a cordoned node keeps its Pod
 *   (https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/,
 *   "Taints and tolerations"). Each Pod is pinned to its node by a required
 *   node affinity on the node's name, which the scheduler honours.
 * - A changed template rolls node by node: with `RollingUpdate`, an old
 *   Pod is deleted only while fewer than `maxUnavailable` (default 1)
 *   nodes lack an available Pod; the node then gets a new Pod once the old
 *   one is gone, and the next node waits until that one is available. Old
 *   Pods that are not available are replaced at once. With `OnDelete`, old
 *   Pods stay until someone deletes them
 *   (https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/).
 */
import { objectAt, stringAt, text, type JsonObject } from '../json.js';
import {
  availability,
  isLive,
  isReady,
  labelOf,
  nameOf,
  nodeNameOf,
  podFromTemplate,
  scaledValue,
  templateHash,
} from './pods.js';
import { fitsNode, pinnedNodes } from './scheduling.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** The tolerations the DaemonSet controller adds to every Pod it makes (see the DaemonSet page above). */
const DAEMON_TOLERATIONS: readonly JsonObject[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
/** Added for hostNetwork Pods only. */
const NETWORK_TOLERATION: JsonObject = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  effect: 'NoSchedule',
};

export interface DaemonSetPlan {
  /** Pods to create (generateName set). */
  readonly create: JsonObject[];
  /** Names of Pods to delete. */
  readonly delete: string[];
  readonly status: JsonObject;
}

/** The template's spec with the DaemonSet's tolerations, as its Pods carry it. */
function daemonPodSpec(template: JsonObject): JsonObject {
  const spec = objectAt(template, 'spec');
  const own = Array.isArray(spec['tolerations']) ? spec['tolerations'] : [];
  const added =
    spec['hostNetwork'] === true ? [...DAEMON_TOLERATIONS, NETWORK_TOLERATION] : DAEMON_TOLERATIONS;
  return { ...spec, tolerations: [...own, ...added] };
}

function pinTo(node: string): JsonObject {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] },
        ],
      },
    },
  };
}

/**
 * `pods` are those the DaemonSet controls (any state); `nodes` all Nodes.
 * `now` decides availability under `minReadySeconds`.
 */
export function planDaemonSet(
  daemonSet: JsonObject,
  nodes: readonly JsonObject[],
  pods: readonly JsonObject[],
  now: Date,
): DaemonSetPlan {
  const spec = objectAt(daemonSet, 'spec');
  const template = objectAt(spec, 'template');
  const hash = templateHash(template);
  const podSpec = daemonPodSpec(template);
  const available = availability(spec, now);
  const create: JsonObject[] = [];
  const remove: string[] = [];
  const byNode = new Map<string, JsonObject[]>();
  for (const pod of pods) {
    // A Pod not bound yet belongs to the node it is pinned to.
    const node = nodeNameOf(pod) ?? pinnedNodes(objectAt(pod, 'spec'))?.[0] ?? '';
    byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  const wanted = nodes
    .filter((node) => fitsNode(podSpec, node))
    .map(nameOf)
    .sort();
  const wantedSet = new Set(wanted);
  // Pods on nodes that no longer want one (or on no node at all) go.
  let misscheduled = 0;
  for (const [node, onNode] of byNode) {
    if (wantedSet.has(node)) continue;
    const live = onNode.filter(isLive);
    if (live.length > 0) misscheduled++;
    remove.push(...live.map(nameOf));
  }
  const newPod = (node: string): JsonObject =>
    podFromTemplate(
      template,
      daemonSet,
      `${nameOf(daemonSet)}-`,
      {
        [REVISION_HASH_LABEL]: hash,
        'pod-template-generation': text(objectAt(daemonSet, 'metadata')['generation'] ?? 1),
      },
      { ...podSpec, affinity: { ...objectAt(podSpec, 'affinity'), ...pinTo(node) } },
    );
  // The node's one Pod: a live one of the current template if any, else the oldest live one.
  const current = new Map<string, JsonObject | undefined>();
  for (const node of wanted) {
    const onNode = byNode.get(node) ?? [];
    const live = onNode.filter(isLive);
    const keep = live.find((p) => labelOf(p, REVISION_HASH_LABEL) === hash) ?? live[0];
    current.set(node, keep);
    remove.push(...live.filter((p) => p !== keep).map(nameOf));
    // A node whose Pod is still terminating waits for it to be gone.
    if (keep === undefined && onNode.length === 0) create.push(newPod(node));
  }
  const isOld = (pod: JsonObject): boolean => labelOf(pod, REVISION_HASH_LABEL) !== hash;
  const updateStrategy = objectAt(spec, 'updateStrategy');
  if ((stringAt(updateStrategy, 'type') ?? 'RollingUpdate') === 'RollingUpdate') {
    const maxUnavailable = Math.max(
      1,
      scaledValue(
        objectAt(updateStrategy, 'rollingUpdate')['maxUnavailable'],
        wanted.length,
        1,
        'up',
      ),
    );
    let unavailable = wanted.filter((node) => {
      const pod = current.get(node);
      return pod === undefined || !available(pod);
    }).length;
    for (const node of wanted) {
      const pod = current.get(node);
      if (pod === undefined || !isOld(pod)) continue;
      if (!available(pod)) remove.push(nameOf(pod));
      else if (unavailable < maxUnavailable) {
        remove.push(nameOf(pod));
        unavailable++;
      }
    }
  }
  const placed = wanted
    .map((node) => current.get(node))
    .filter((p): p is JsonObject => p !== undefined);
  const status: JsonObject = {
    currentNumberScheduled: placed.length,
    desiredNumberScheduled: wanted.length,
    numberMisscheduled: misscheduled,
    numberReady: placed.filter(isReady).length,
    numberAvailable: placed.filter(available).length,
    numberUnavailable: wanted.length - placed.filter(available).length,
    updatedNumberScheduled: placed.filter((p) => !isOld(p)).length,
    observedGeneration: objectAt(daemonSet, 'metadata')['generation'] ?? 1,
  };
  return { create, delete: [...new Set(remove)], status: dropZeros(status) };
}

/** The API server omits zero counts of these statuses (omitempty), except the four always set. */
function dropZeros(status: JsonObject): JsonObject {
  const always = new Set([
    'currentNumberScheduled',
    'desiredNumberScheduled',
    'numberMisscheduled',
    'numberReady',
  ]);
  return Object.fromEntries(
    Object.entries(status).filter(([key, value]) => always.has(key) || value !== 0),
  );
}

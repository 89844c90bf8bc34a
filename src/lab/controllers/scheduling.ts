/**
 * Whether a Pod may run on a Node, as the scheduler's filters decide it for
 * the fields MetalLB's manifests use: `nodeSelector`, a required node
 * affinity on the node's name (how a DaemonSet pins its Pods), and taints
 * against tolerations, a cordoned node (`spec.unschedulable`) counting as
 * the taint `node.kubernetes.io/unschedulable:NoSchedule`
 * (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/,
 * https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/).
 * Then the lab's scheduler: a Pod goes to the fitting node with the fewest
 * Pods. Pure.
 */
import { isObject, objectAt, stringAt, type Json, type JsonObject } from '../json.js';
import { nameOf, nodeNameOf } from './pods.js';

const UNSCHEDULABLE_TAINT: JsonObject = {
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
};

const list = (value: Json | undefined): JsonObject[] =>
  Array.isArray(value) ? value.filter(isObject) : [];

/** The taints that keep Pods off the node, a cordon among them. */
function taintsOf(node: JsonObject): JsonObject[] {
  const spec = objectAt(node, 'spec');
  const taints = list(spec['taints']);
  return spec['unschedulable'] === true ? [...taints, UNSCHEDULABLE_TAINT] : taints;
}

/** A toleration matches a taint: same key (or none, with Exists), value (Equal) and effect (or none). */
function tolerates(toleration: JsonObject, taint: JsonObject): boolean {
  const effect = stringAt(toleration, 'effect') ?? '';
  if (effect !== '' && effect !== stringAt(taint, 'effect')) return false;
  const key = stringAt(toleration, 'key') ?? '';
  const operator = stringAt(toleration, 'operator') ?? 'Equal';
  if (key === '') return operator === 'Exists';
  if (key !== stringAt(taint, 'key')) return false;
  return (
    operator === 'Exists' ||
    (stringAt(toleration, 'value') ?? '') === (stringAt(taint, 'value') ?? '')
  );
}

/** The node names a required node affinity allows by `matchFields` on `metadata.name`; undefined when it does not pin. */
export function pinnedNodes(podSpec: JsonObject): string[] | undefined {
  const required = objectAt(
    objectAt(objectAt(podSpec, 'affinity'), 'nodeAffinity'),
    'requiredDuringSchedulingIgnoredDuringExecution',
  );
  const names = list(required['nodeSelectorTerms']).flatMap((term) =>
    list(term['matchFields'])
      .filter((f) => f['key'] === 'metadata.name' && f['operator'] === 'In')
      .flatMap((f) => (Array.isArray(f['values']) ? f['values'] : []))
      .filter((v): v is string => typeof v === 'string'),
  );
  return names.length === 0 ? undefined : names;
}

/** The scheduler's verdict for this pod spec on this node. */
export function fitsNode(podSpec: JsonObject, node: JsonObject): boolean {
  const labels = objectAt(objectAt(node, 'metadata'), 'labels');
  const selector = objectAt(podSpec, 'nodeSelector');
  if (!Object.entries(selector).every(([key, value]) => labels[key] === value)) return false;
  const pinned = pinnedNodes(podSpec);
  if (pinned !== undefined && !pinned.includes(nameOf(node))) return false;
  const tolerations = list(podSpec['tolerations']);
  return taintsOf(node)
    .filter((taint) => taint['effect'] === 'NoSchedule' || taint['effect'] === 'NoExecute')
    .every((taint) => tolerations.some((toleration) => tolerates(toleration, taint)));
}

/**
 * The node for a Pod that has none: among those it fits, the one running
 * the fewest Pods (then by name), as the scheduler's spreading scores tend
 * to; undefined when none fits (the Pod stays Pending, Unschedulable).
 */
export function chooseNode(
  podSpec: JsonObject,
  nodes: readonly JsonObject[],
  pods: readonly JsonObject[],
): string | undefined {
  const load = new Map<string, number>();
  for (const pod of pods) {
    const node = nodeNameOf(pod);
    if (node !== undefined) load.set(node, (load.get(node) ?? 0) + 1);
  }
  const fitting = nodes
    .filter((node) => fitsNode(podSpec, node))
    .map(nameOf)
    .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b));
  return fitting[0];
}

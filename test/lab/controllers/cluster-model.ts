/**
 * A small cluster for the workload planners' tests: Nodes and Pods as
 * plain objects, a clock the test moves, and the two other actors a plan
 * depends on done by hand: `applyPlan` creates and marks for deletion as
 * the API server would, and `kubeletStep` removes Pods marked for deletion
 * and makes new ones Ready, as kubelets would.
 */
import { text, type JsonObject } from '../../../src/lab/json.js';

export class ClusterModel {
  nodes: JsonObject[] = [];
  pods: JsonObject[] = [];
  now = new Date('2026-01-01T00:00:00Z');
  private serial = 0;

  addNode(name: string, labels: Record<string, string> = {}, spec: JsonObject = {}): void {
    this.nodes.push({
      metadata: { name, labels: { 'kubernetes.io/os': 'linux', ...labels } },
      spec,
    });
  }

  tick(seconds: number): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
  }

  /** Creates (named from generateName) and marks for deletion what `plan` says. */
  applyPlan(plan: { create: readonly JsonObject[]; delete: readonly string[] }): void {
    for (const name of plan.delete) {
      this.pods = this.pods.map((pod) =>
        podName(pod) === name
          ? { ...pod, metadata: { ...meta(pod), deletionTimestamp: this.now.toISOString() } }
          : pod,
      );
    }
    for (const pod of plan.create) {
      const name = `${text(meta(pod)['generateName'])}${++this.serial}`;
      this.pods.push({ ...pod, metadata: { ...meta(pod), name, uid: `pod-${this.serial}` } });
    }
  }

  /** Pods marked for deletion are gone; the others are bound (DaemonSet Pods by their affinity) and Ready. */
  kubeletStep(): void {
    this.pods = this.pods
      .filter((pod) => meta(pod)['deletionTimestamp'] === undefined)
      .map((pod) => ({
        ...pod,
        spec: { ...spec(pod), nodeName: spec(pod)['nodeName'] ?? pinnedNode(pod) ?? null },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: this.readySince(pod) }],
        },
      }));
  }

  /** The nodes whose Pod (of the given hash label) is Ready and not being deleted. */
  readyNodes(label: string, hash: string): string[] {
    return this.pods
      .filter(
        (pod) =>
          meta(pod)['deletionTimestamp'] === undefined &&
          labels(pod)[label] === hash &&
          JSON.stringify(pod['status'] ?? {}).includes('"Ready","status":"True"'),
      )
      .map((pod) => text(spec(pod)['nodeName']))
      .sort();
  }

  private readySince(pod: JsonObject): string {
    const status = pod['status'] as JsonObject | undefined;
    const conditions = (status?.['conditions'] ?? []) as JsonObject[];
    return text(conditions[0]?.['lastTransitionTime']) || this.now.toISOString();
  }
}

export const meta = (o: JsonObject): JsonObject => (o['metadata'] ?? {}) as JsonObject;
export const spec = (o: JsonObject): JsonObject => (o['spec'] ?? {}) as JsonObject;
export const labels = (o: JsonObject): Record<string, string> =>
  (meta(o)['labels'] ?? {}) as Record<string, string>;
export const podName = (o: JsonObject): string => text(meta(o)['name']);

function pinnedNode(pod: JsonObject): string | undefined {
  const text = JSON.stringify(spec(pod)['affinity'] ?? {});
  return /"values":\["([^"]+)"\]/.exec(text)?.[1];
}

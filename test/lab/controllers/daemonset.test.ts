/**
 * The DaemonSet planner against a model cluster with a test clock: one Pod
 * per fitting node, a changed template rolled node by node within
 * maxUnavailable (waiting for each new Pod to be Ready), OnDelete left
 * alone, nodeSelector and taints honoured, a cordon ignored.
 */
import { expect } from 'chai';
import {
  planDaemonSet,
  REVISION_HASH_LABEL,
  templateHash,
} from '../../../src/lab/controllers/index.js';
import type { JsonObject } from '../../../src/lab/json.js';
import { ClusterModel, labels, podName, spec } from './cluster-model.js';

function speakerSet(image: string, strategy: JsonObject = { type: 'RollingUpdate' }): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'speaker', namespace: 'metallb-system', uid: 'ds-1', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'metallb' } },
      updateStrategy: strategy,
      template: {
        metadata: { labels: { app: 'metallb' } },
        spec: {
          hostNetwork: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [
            {
              key: 'node-role.kubernetes.io/control-plane',
              operator: 'Exists',
              effect: 'NoSchedule',
            },
          ],
          containers: [{ name: 'speaker', image }],
        },
      },
    },
  };
}

/** Plans, applies and lets the kubelets act until nothing is left to do; returns the plans' delete counts. */
function converge(cluster: ClusterModel, daemonSet: JsonObject, steps = 20): number[] {
  const deletes: number[] = [];
  for (let i = 0; i < steps; i++) {
    const plan = planDaemonSet(daemonSet, cluster.nodes, cluster.pods, cluster.now);
    if (plan.create.length === 0 && plan.delete.length === 0) break;
    deletes.push(plan.delete.length);
    cluster.applyPlan(plan);
    cluster.kubeletStep();
    cluster.tick(1);
  }
  return deletes;
}

describe('lab DaemonSet controller (planner)', () => {
  it('runs one Pod per node, pinned to it, named speaker-<suffix>, labelled with the revision hash', () => {
    const cluster = new ClusterModel();
    for (const name of ['n1', 'n2', 'n3']) cluster.addNode(name);
    const ds = speakerSet('metallb-ts/metallb-ts:v1');
    converge(cluster, ds);
    expect(cluster.pods.map((p) => spec(p)['nodeName']).sort()).to.deep.equal(['n1', 'n2', 'n3']);
    const hash = templateHash((ds['spec'] as JsonObject)['template'] ?? {});
    for (const pod of cluster.pods) {
      expect(labels(pod)[REVISION_HASH_LABEL]).to.equal(hash);
      expect(podName(pod)).to.match(/^speaker-/);
      expect(JSON.stringify((pod['metadata'] as JsonObject)['ownerReferences'])).to.include(
        '"uid":"ds-1"',
      );
    }
    const status = planDaemonSet(ds, cluster.nodes, cluster.pods, cluster.now).status;
    expect(status).to.include({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
    });
  });

  for (const maxUnavailable of [1, 2]) {
    it(`rolls a changed template node by node, at most ${maxUnavailable} without an available Pod`, () => {
      const cluster = new ClusterModel();
      for (const name of ['n1', 'n2', 'n3', 'n4']) cluster.addNode(name);
      converge(cluster, speakerSet('metallb/speaker:v0.9.6'));
      const next = speakerSet('metallb-ts/metallb-ts:v1', {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable },
      });
      const newHash = templateHash((next['spec'] as JsonObject)['template'] ?? {});
      const oldHash = labels(cluster.pods[0] ?? {})[REVISION_HASH_LABEL] ?? '';
      let rounds = 0;
      for (let i = 0; i < 40; i++) {
        const plan = planDaemonSet(next, cluster.nodes, cluster.pods, cluster.now);
        if (plan.create.length === 0 && plan.delete.length === 0) break;
        cluster.applyPlan(plan);
        // Before the kubelets act: old Pods marked, new ones not Ready yet.
        const available = [
          ...cluster.readyNodes(REVISION_HASH_LABEL, oldHash),
          ...cluster.readyNodes(REVISION_HASH_LABEL, newHash),
        ];
        expect(4 - available.length).to.be.at.most(maxUnavailable);
        if (plan.delete.length > 0) rounds++;
        cluster.kubeletStep();
        cluster.tick(1);
      }
      expect(cluster.readyNodes(REVISION_HASH_LABEL, newHash)).to.deep.equal([
        'n1',
        'n2',
        'n3',
        'n4',
      ]);
      expect(rounds).to.equal(Math.ceil(4 / maxUnavailable));
    });
  }

  it('waits for the new Pod to be Ready before the next node', () => {
    const cluster = new ClusterModel();
    for (const name of ['n1', 'n2']) cluster.addNode(name);
    converge(cluster, speakerSet('a/b:1'));
    const next = speakerSet('a/b:2');
    cluster.applyPlan(planDaemonSet(next, cluster.nodes, cluster.pods, cluster.now));
    cluster.pods = cluster.pods.filter(
      (p) => (p['metadata'] as JsonObject)['deletionTimestamp'] === undefined,
    );
    const create = planDaemonSet(next, cluster.nodes, cluster.pods, cluster.now);
    expect(create.create).to.have.length(1);
    expect(create.delete).to.deep.equal([]);
    cluster.applyPlan(create);
    // Created, bound, not Ready: the other node's old Pod stays.
    const pending = planDaemonSet(next, cluster.nodes, cluster.pods, cluster.now);
    expect(pending.delete).to.deep.equal([]);
    expect(pending.status['updatedNumberScheduled']).to.equal(1);
    expect(pending.status['numberAvailable']).to.equal(1);
  });

  it('leaves old Pods alone with OnDelete, and replaces one that is deleted by the new template', () => {
    const cluster = new ClusterModel();
    for (const name of ['n1', 'n2']) cluster.addNode(name);
    converge(cluster, speakerSet('a/b:1', { type: 'OnDelete' }));
    const next = speakerSet('a/b:2', { type: 'OnDelete' });
    expect(planDaemonSet(next, cluster.nodes, cluster.pods, cluster.now).delete).to.deep.equal([]);
    cluster.pods = cluster.pods.slice(1);
    converge(cluster, next);
    const newHash = templateHash((next['spec'] as JsonObject)['template'] ?? {});
    expect(cluster.readyNodes(REVISION_HASH_LABEL, newHash)).to.have.length(1);
    expect(cluster.pods).to.have.length(2);
  });

  it('honours nodeSelector: a node that loses the label loses its Pod', () => {
    const cluster = new ClusterModel();
    cluster.addNode('linux');
    cluster.nodes.push({
      metadata: { name: 'windows', labels: { 'kubernetes.io/os': 'windows' } },
    });
    const ds = speakerSet('a/b:1');
    converge(cluster, ds);
    expect(cluster.pods.map((p) => spec(p)['nodeName'])).to.deep.equal(['linux']);
    cluster.nodes = [{ metadata: { name: 'linux', labels: {} } }, ...cluster.nodes.slice(1)];
    const plan = planDaemonSet(ds, cluster.nodes, cluster.pods, cluster.now);
    expect(plan.delete).to.have.length(1);
    expect(plan.status['numberMisscheduled']).to.equal(1);
  });

  it('honours taints against tolerations, and runs on a cordoned node', () => {
    const cluster = new ClusterModel();
    cluster.addNode(
      'control',
      {},
      {
        taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
      },
    );
    cluster.addNode('gpu', {}, { taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] });
    cluster.addNode('cordoned', {}, { unschedulable: true });
    cluster.addNode('soft', {}, { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] });
    converge(cluster, speakerSet('a/b:1'));
    expect(cluster.pods.map((p) => spec(p)['nodeName']).sort()).to.deep.equal([
      'control',
      'cordoned',
      'soft',
    ]);
  });
});

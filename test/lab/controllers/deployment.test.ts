/**
 * The Deployment planner against a model cluster with a test clock:
 * ReplicaSets per template hash and Pods named after them, Recreate stops
 * every old Pod before a new one is created, RollingUpdate keeps the
 * available minimum, minReadySeconds counts on the clock, and the status
 * says when the rollout is complete.
 */
import { expect } from 'chai';
import {
  planDeployment,
  TEMPLATE_HASH_LABEL,
  templateHash,
} from '../../../src/lab/controllers/index.js';
import type { JsonObject } from '../../../src/lab/json.js';
import { ClusterModel, labels, meta, podName } from './cluster-model.js';

function controllerDeployment(
  image: string,
  strategy: JsonObject,
  replicas = 1,
  minReadySeconds = 0,
): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'controller', namespace: 'metallb-system', uid: 'deploy-1', generation: 2 },
    spec: {
      replicas,
      minReadySeconds,
      strategy,
      selector: { matchLabels: { app: 'metallb' } },
      template: {
        metadata: { labels: { app: 'metallb' } },
        spec: { containers: [{ name: 'controller', image }] },
      },
    },
  };
}

const hashOf = (deployment: JsonObject): string =>
  templateHash((deployment['spec'] as JsonObject)['template'] ?? {});

/** The model has one node; Deployment Pods carry no node, so the kubelet step binds them there. */
function start(deployment: JsonObject): ClusterModel {
  const cluster = new ClusterModel();
  cluster.addNode('n1');
  for (let i = 0; i < 10; i++) {
    const plan = planDeployment(deployment, cluster.pods, cluster.now);
    if (plan.create.length === 0 && plan.delete.length === 0) break;
    cluster.applyPlan(plan);
    cluster.kubeletStep();
  }
  return cluster;
}

describe('lab Deployment controller (planner)', () => {
  it('makes the ReplicaSet controller-<hash> and its Pods controller-<hash>-<suffix>', () => {
    const deployment = controllerDeployment('metallb-ts/metallb-ts:v1', { type: 'Recreate' });
    const cluster = start(deployment);
    const hash = hashOf(deployment);
    expect(cluster.pods).to.have.length(1);
    expect(podName(cluster.pods[0] ?? {})).to.match(new RegExp(`^controller-${hash}-`));
    expect(labels(cluster.pods[0] ?? {})[TEMPLATE_HASH_LABEL]).to.equal(hash);
    const plan = planDeployment(deployment, cluster.pods, cluster.now);
    expect(plan.replicaSets.map((rs) => meta(rs)['name'])).to.deep.equal([`controller-${hash}`]);
    expect(plan.status).to.include({
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
      observedGeneration: 2,
    });
    expect(JSON.stringify(plan.status['conditions'])).to.include('NewReplicaSetAvailable');
  });

  it('Recreate: deletes the old Pod, creates nothing while it terminates, then the new one', () => {
    const cluster = start(controllerDeployment('metallb/controller:v0.9.6', { type: 'Recreate' }));
    const next = controllerDeployment('metallb-ts/metallb-ts:v1', { type: 'Recreate' });
    const first = planDeployment(next, cluster.pods, cluster.now);
    expect(first.delete).to.have.length(1);
    expect(first.create).to.deep.equal([]);
    cluster.applyPlan(first);
    // Still terminating: nothing new yet.
    const waiting = planDeployment(next, cluster.pods, cluster.now);
    expect(waiting.create).to.deep.equal([]);
    expect(waiting.delete).to.deep.equal([]);
    cluster.kubeletStep();
    const after = planDeployment(next, cluster.pods, cluster.now);
    expect(after.create).to.have.length(1);
    expect(labels(after.create[0] ?? {})[TEMPLATE_HASH_LABEL]).to.equal(hashOf(next));
  });

  it('RollingUpdate: a new Pod first (maxSurge), the old one only once the new one is available', () => {
    const cluster = start(controllerDeployment('a/b:1', { type: 'RollingUpdate' }));
    const next = controllerDeployment('a/b:2', { type: 'RollingUpdate' });
    const surge = planDeployment(next, cluster.pods, cluster.now);
    expect(surge.create).to.have.length(1);
    expect(surge.delete).to.deep.equal([]);
    cluster.applyPlan(surge);
    expect(planDeployment(next, cluster.pods, cluster.now).delete).to.deep.equal([]);
    cluster.kubeletStep();
    const drain = planDeployment(next, cluster.pods, cluster.now);
    expect(drain.delete).to.have.length(1);
    expect(
      labels(cluster.pods.find((p) => podName(p) === drain.delete[0]) ?? {})[TEMPLATE_HASH_LABEL],
    ).to.not.equal(hashOf(next));
  });

  it('counts a Pod available only after minReadySeconds on the clock', () => {
    const deployment = controllerDeployment('a/b:1', { type: 'Recreate' }, 1, 10);
    const cluster = start(deployment);
    cluster.tick(5);
    expect(
      planDeployment(deployment, cluster.pods, cluster.now).status['availableReplicas'],
    ).to.equal(0);
    cluster.tick(5);
    expect(
      planDeployment(deployment, cluster.pods, cluster.now).status['availableReplicas'],
    ).to.equal(1);
  });
});

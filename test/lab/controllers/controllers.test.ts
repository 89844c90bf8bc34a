/**
 * The workload controllers inside the lab (no kubelet): Pods made through
 * the Registry like any client's, Deployment Pods bound by the scheduler
 * (a cordoned node skipped), a Pod that admission refuses recorded as a
 * FailedCreate Event on its owner and created on a later try, and the
 * statuses kubectl reads.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyManifests, Lab } from '../../../src/lab/index.js';
import type { Admission } from '../../../src/lab/registry.js';
import { findResource, type ResourceType } from '../../../src/lab/resources.js';
import { ApiError } from '../../../src/lab/status.js';
import { text, type JsonObject } from '../../../src/lab/json.js';
import { eventually } from '../../support/eventually.js';
import { KUBECTL, kubectlRunner } from '../../support/kubectl.js';

const NAMESPACE = 'metallb-system';

/** Refuses every Pod while `refusing` is set, as PSP or PSA admission would. */
class RefusePods implements Admission {
  refusing = true;
  admit(type: ResourceType, object: JsonObject, old: JsonObject | null): JsonObject {
    if (this.refusing && type.kind === 'Pod' && old === null)
      throw new ApiError(403, 'BadRequest', 'pods "x" is forbidden: refused by the test');
    return object;
  }
}

const nodeYaml = (name: string, unschedulable: boolean): string => `apiVersion: v1
kind: Node
metadata: {name: ${name}, labels: {kubernetes.io/os: linux}}
spec: {unschedulable: ${unschedulable}}
`;

describe('lab workload controllers (in the lab)', function () {
  this.timeout(30_000);
  let lab: Lab;
  beforeEach(async () => {
    lab = await Lab.start({ workloads: true });
  });
  afterEach(async () => {
    await lab.stop();
  });

  const list = (plural: string, namespace = NAMESPACE): JsonObject[] => {
    const key =
      plural === 'replicasets' || plural === 'daemonsets' || plural === 'deployments'
        ? `apps/v1/${plural}`
        : `/v1/${plural}`;
    return lab.store.list(key, { namespace, match: () => true });
  };
  const install = (): void => {
    for (const file of ['manifests/namespace.yaml', 'manifests/metallb.yaml'])
      expect(applyManifests(lab.registry, readFileSync(file, 'utf8'), file).errors).to.deep.equal(
        [],
      );
  };

  it("makes the shipped manifests' Pods: a speaker per node, the controller on a schedulable node", async () => {
    applyManifests(
      lab.registry,
      nodeYaml('cordoned', true) + '---\n' + nodeYaml('open', false),
      'nodes',
    );
    install();
    await eventually(() => {
      const pods = list('pods');
      const spec = (pod: JsonObject) => pod['spec'] as JsonObject;
      const speakers = pods.filter((p) =>
        text((p['metadata'] as JsonObject)['name']).startsWith('speaker-'),
      );
      const controllers = pods.filter((p) =>
        text((p['metadata'] as JsonObject)['name']).startsWith('controller-'),
      );
      expect(speakers.map((p) => spec(p)['nodeName']).sort()).to.deep.equal(['cordoned', 'open']);
      expect(controllers.map((p) => spec(p)['nodeName'])).to.deep.equal(['open']);
    });
    expect(list('replicasets')).to.have.length(1);
    const [daemonSet] = list('daemonsets');
    expect((daemonSet?.['status'] as JsonObject)['desiredNumberScheduled']).to.equal(2);
  });

  it('writes the statuses kubectl rollout status reads: waiting until the Pods are Ready, then rolled out', async function () {
    if (KUBECTL === null) this.skip();
    applyManifests(lab.registry, nodeYaml('n1', false), 'nodes');
    install();
    await eventually(() => expect(list('pods')).to.have.length(2));
    const home = mkdtempSync(join(tmpdir(), 'metallb-ts-kubectl-'));
    try {
      const kubectl = kubectlRunner(lab.kubeconfigPath, home);
      const status = (workload: string) =>
        kubectl(['rollout', 'status', workload, '-n', NAMESPACE, '--timeout=1s']);
      expect((await status('daemonset/speaker')).stdout).to.include(
        '0 of 1 updated pods are available',
      );
      expect((await status('deployment/controller')).stdout).to.include(
        '0 of 1 updated replicas are available',
      );
      // What a kubelet would write: Running and Ready.
      const pods = findResource('', 'v1', 'pods') as ResourceType;
      for (const pod of list('pods'))
        lab.registry.update(
          {
            type: pods,
            namespace: NAMESPACE,
            name: text((pod['metadata'] as JsonObject)['name']),
            subresource: 'status',
          },
          { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
          { dryRun: false, strict: false },
        );
      await eventually(async () => {
        expect((await status('daemonset/speaker')).stdout).to.include(
          'daemon set "speaker" successfully rolled out',
        );
        expect((await status('deployment/controller')).stdout).to.include(
          'deployment "controller" successfully rolled out',
        );
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('deletes the ReplicaSet and Pods of a deleted Deployment, and the Pods of a deleted DaemonSet', async () => {
    applyManifests(lab.registry, nodeYaml('n1', false), 'nodes');
    install();
    await eventually(() => expect(list('pods')).to.have.length(2));
    for (const plural of ['deployments', 'daemonsets']) {
      const type = findResource('apps', 'v1', plural);
      if (type === undefined) throw new Error(plural);
      for (const object of list(plural))
        lab.registry.delete(
          {
            type,
            namespace: NAMESPACE,
            name: text((object['metadata'] as JsonObject)['name']),
            subresource: '',
          },
          { dryRun: false },
        );
    }
    await eventually(() => {
      expect(list('pods')).to.deep.equal([]);
      expect(list('replicasets')).to.deep.equal([]);
    });
  });

  it('records FailedCreate on the owner when admission refuses a Pod, and creates it on a later try', async () => {
    const refuse = new RefusePods();
    lab.registry.addAdmission(refuse);
    applyManifests(lab.registry, nodeYaml('n1', false), 'nodes');
    install();
    await eventually(() => {
      const events = list('events').filter((e) => e['reason'] === 'FailedCreate');
      const owners = events.map((e) => (e['involvedObject'] as JsonObject)['kind']);
      // The DaemonSet controller records on the DaemonSet, the ReplicaSet controller on the ReplicaSet.
      expect(owners).to.have.members(['DaemonSet', 'ReplicaSet']);
      expect(text(events[0]?.['message'])).to.include('Error creating: pods "x" is forbidden');
    });
    expect(list('pods')).to.deep.equal([]);
    // Tried again a second later: the same Event counts up.
    await eventually(() => {
      const counts = list('events').map((e) => e['count']);
      expect(counts.some((count) => typeof count === 'number' && count > 1)).to.equal(true);
    }, 5_000);
    refuse.refusing = false;
    await eventually(() => expect(list('pods')).to.have.length(2), 5_000);
  });
});

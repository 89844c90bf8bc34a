/**
 * Events as the real recorder writes them: repeats count up on one Event.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { EventRecorder, reuseConnections } from '../../src/k8s/index.js';
import { Lab } from '../../src/lab/index.js';
import { labApi } from '../support/lab-api.js';

describe('k8s: event recorder', function () {
  this.timeout(30_000);
  let lab: Lab;
  before(async () => {
    lab = await Lab.start();
  });
  after(async () => {
    await lab.stop();
  });

  it('counts repeats up on one Event, and starts a new one for another message', async () => {
    const kc = reuseConnections(new k8s.KubeConfig());
    kc.loadFromFile(lab.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const errors: unknown[] = [];
    const recorder = new EventRecorder(
      labApi(lab),
      'metallb-controller',
      () => new Date(),
      (e) => errors.push(e),
    );
    const web = {
      kind: 'Service',
      apiVersion: 'v1',
      name: 'web',
      namespace: 'default',
      uid: 'u-1',
    };
    for (let i = 0; i < 3; i++)
      await recorder.record(
        web,
        'Warning',
        'AllocationFailed',
        'Failed to allocate IP for "default/web": no available IPv4 address',
      );
    await recorder.record(web, 'Normal', 'IPAllocated', 'Assigned IP "198.51.100.1"');
    expect(errors).to.deep.equal([]);
    const events = (await core.listNamespacedEvent({ namespace: 'default' })).items;
    const summary = events
      .map((e) => [e.reason, e.count, e.type, e.source?.component, e.involvedObject.name])
      .sort();
    expect(summary).to.deep.equal([
      ['AllocationFailed', 3, 'Warning', 'metallb-controller', 'web'],
      ['IPAllocated', 1, 'Normal', 'metallb-controller', 'web'],
    ]);
  });
});

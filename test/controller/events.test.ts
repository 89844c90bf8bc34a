/**
 * Events as the real recorder writes them: repeats count up on one Event,
 * and Events are written one at a time, in the order recorded.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, endpointAuth, EventRecorder, reuseConnections } from '../../src/k8s/index.js';
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

  it('keeps the Events of two recorders apart, in the same millisecond for the same object', async () => {
    // Two speakers on two nodes, each announcing one address of the same Service at once.
    const api = labApi(lab);
    const frozen = new Date('2026-11-22T10:00:00.123Z');
    const errors: unknown[] = [];
    const recorders = ['n1', 'n2'].map(
      () =>
        new EventRecorder(
          api,
          'metallb-speaker',
          () => frozen,
          (e) => errors.push(e),
        ),
    );
    const web = {
      kind: 'Service',
      apiVersion: 'v1',
      name: 'same',
      namespace: 'default',
      uid: 'u-2',
    };
    await Promise.all(
      recorders.flatMap((recorder, r) =>
        Array.from({ length: 10 }, (_, i) =>
          recorder.record(web, 'Normal', 'nodeAssigned', `announcing 192.0.2.${i} from node n${r}`),
        ),
      ),
    );
    const list = await api.request<{ items: { involvedObject: { name?: string } }[] }>(
      'GET',
      '/api/v1/namespaces/default/events',
    );
    api.close();
    expect(errors).to.deep.equal([]);
    expect(list.items.filter((e) => e.involvedObject.name === 'same')).to.have.length(20);
  });

  it('writes a burst of Events at most 16 at a time, started in the order recorded', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const seen: string[] = [];
    const server = createServer((request, response) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push((JSON.parse(body) as { message?: string }).message ?? '');
        // Slow answers: writes that overlapped would overlap here.
        setTimeout(() => {
          inFlight--;
          response.writeHead(201, { 'Content-Type': 'application/json' });
          response.end('{}');
        }, 5);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const api = new ApiClient(url, endpointAuth({ server: url, insecureSkipTlsVerify: false }));
    const errors: unknown[] = [];
    const recorder = new EventRecorder(api, 'metallb-controller', undefined, (e) => errors.push(e));
    const web = { kind: 'Service', apiVersion: 'v1', name: 'web', namespace: 'default', uid: 'u' };
    const messages = Array.from({ length: 40 }, (_, i) => `Assigned IP "192.0.2.${i}"`);
    try {
      await Promise.all(
        messages.map((message) => recorder.record(web, 'Normal', 'IPAllocated', message)),
      );
    } finally {
      api.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(errors).to.deep.equal([]);
    expect(mostInFlight).to.be.within(2, 16);
    // Started in order; those written at once may reach the server in another.
    expect([...seen].sort()).to.deep.equal([...messages].sort());
    expect(seen.slice(0, 16).sort()).to.deep.equal(messages.slice(0, 16).sort());
  });
});

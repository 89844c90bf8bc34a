/**
 * The lab's endpoints controller, seen through the API: Endpoints and
 * EndpointSlices follow the Pods that match a Service, by readiness.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { Lab } from '../../src/lab/index.js';

describe('lab: Endpoints and EndpointSlices follow the Pods', function () {
  this.timeout(30_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let discovery: k8s.DiscoveryV1Api;

  beforeEach(async () => {
    lab = await Lab.start();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  });
  afterEach(async () => {
    await lab.stop();
  });

  /** A Pod bound to a node (there is no scheduler), then given an IP and readiness through status, as a kubelet would. */
  async function pod(name: string, node: string, ip: string, ready: boolean): Promise<void> {
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name, labels: { app: 'web' } },
        spec: {
          nodeName: node,
          containers: [
            { name: 'web', image: 'web', ports: [{ name: 'http', containerPort: 8080 }] },
          ],
        },
      },
    });
    await setReady(name, ip, ready);
  }

  async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
    const current = await core.readNamespacedPod({ name, namespace: 'default' });
    current.status = {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    };
    await core.replaceNamespacedPodStatus({ name, namespace: 'default', body: current });
  }

  async function endpoints(): Promise<{ ready: string[]; notReady: string[] }> {
    const found = await core.readNamespacedEndpoints({ name: 'web', namespace: 'default' });
    const subset = found.subsets?.[0];
    const show = (a: k8s.V1EndpointAddress): string => `${a.ip}@${a.nodeName ?? ''}`;
    return {
      ready: (subset?.addresses ?? []).map(show),
      notReady: (subset?.notReadyAddresses ?? []).map(show),
    };
  }

  async function slices(): Promise<string[]> {
    const list = await discovery.listNamespacedEndpointSlice({
      namespace: 'default',
      labelSelector: 'kubernetes.io/service-name=web',
    });
    return list.items.flatMap((slice) =>
      (slice.endpoints ?? []).map(
        (e) =>
          `${slice.addressType} ${e.addresses.join(',')}@${e.nodeName ?? ''} ready=${String(e.conditions?.ready)}`,
      ),
    );
  }

  it('tracks readiness and nodeName on two nodes', async () => {
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          type: 'LoadBalancer',
          selector: { app: 'web' },
          ports: [{ name: 'http', port: 80, targetPort: 'http' }],
        },
      },
    });
    await pod('web-a', 'node-a', '198.51.100.11', true);
    await pod('web-b', 'node-b', '198.51.100.12', true);
    expect(await endpoints()).to.deep.equal({
      ready: ['198.51.100.11@node-a', '198.51.100.12@node-b'],
      notReady: [],
    });
    const found = await core.readNamespacedEndpoints({ name: 'web', namespace: 'default' });
    expect(
      found.subsets?.[0]?.ports,
      'the named target port resolves to the container port',
    ).to.deep.equal([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(await slices()).to.deep.equal([
      'IPv4 198.51.100.11@node-a ready=true',
      'IPv4 198.51.100.12@node-b ready=true',
    ]);

    await setReady('web-b', '198.51.100.12', false);
    expect(await endpoints()).to.deep.equal({
      ready: ['198.51.100.11@node-a'],
      notReady: ['198.51.100.12@node-b'],
    });
    expect(await slices()).to.deep.equal([
      'IPv4 198.51.100.11@node-a ready=true',
      'IPv4 198.51.100.12@node-b ready=false',
    ]);

    await core.deleteNamespacedPod({ name: 'web-a', namespace: 'default' });
    expect(await endpoints()).to.deep.equal({ ready: [], notReady: ['198.51.100.12@node-b'] });

    await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    const left = await core.listNamespacedEndpoints({ namespace: 'default' });
    expect(left.items.map((e) => e.metadata?.name)).to.deep.equal([]);
    expect(await slices()).to.deep.equal([]);
  });

  it('ignores Pods without an IP or with other labels, and leaves hand-made Endpoints alone', async () => {
    await core.createNamespacedEndpoints({
      namespace: 'default',
      body: {
        metadata: { name: 'manual' },
        subsets: [{ addresses: [{ ip: '203.0.113.5' }], ports: [{ port: 443 }] }],
      },
    });
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'no-ip', labels: { app: 'web' } },
        spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'c' }] },
      },
    });
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'other', labels: { app: 'db' } },
        spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'c' }] },
      },
    });
    expect(await endpoints()).to.deep.equal({ ready: [], notReady: [] });
    await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    const left = await core.listNamespacedEndpoints({ namespace: 'default' });
    expect(left.items.map((e) => e.metadata?.name)).to.deep.equal(['manual']);
  });
});

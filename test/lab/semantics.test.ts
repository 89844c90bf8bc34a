/**
 * API-server semantics the daemons or users rely on, beyond the basics:
 * ClusterIP families, immutability, ports of headless Services, generateName, field selectors, dry run,
 * namespaces, server-side apply and Secret stringData.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { Lab } from '../../src/lab/index.js';

function code(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

async function refused(action: Promise<unknown>): Promise<number | undefined> {
  try {
    await action;
  } catch (error) {
    return code(error);
  }
  expect.fail('expected the API to refuse');
}

describe('lab: API semantics', function () {
  this.timeout(30_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;

  before(async () => {
    lab = await Lab.start();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => {
    await lab.stop();
  });

  const port = [{ port: 80 }];

  it('allocates ClusterIPs by ipFamilies and ipFamilyPolicy', async () => {
    const v6 = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'v6' }, spec: { ipFamilies: ['IPv6'], ports: port } },
    });
    expect(v6.spec?.clusterIP).to.match(/^fd00:10:96::/);
    expect(v6.spec?.ipFamilyPolicy).to.equal('SingleStack');
    const dual = await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'dual' },
        spec: { ipFamilyPolicy: 'RequireDualStack', ports: port },
      },
    });
    expect(dual.spec?.ipFamilies).to.deep.equal(['IPv4', 'IPv6']);
    expect(dual.spec?.clusterIPs?.[0]).to.match(/^10\.96\./);
    expect(dual.spec?.clusterIPs?.[1]).to.match(/^fd00:10:96::/);
  });

  it('keeps a ClusterIP for life, refuses a taken or foreign one', async () => {
    const a = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'fixed' }, spec: { clusterIP: '10.96.200.1', ports: port } },
    });
    expect(a.spec?.clusterIP).to.equal('10.96.200.1');
    expect(
      await refused(
        core.createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: 'same' }, spec: { clusterIP: '10.96.200.1', ports: port } },
        }),
      ),
    ).to.equal(422);
    expect(
      await refused(
        core.createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: 'out' }, spec: { clusterIP: '192.0.2.1', ports: port } },
        }),
      ),
    ).to.equal(422);
    a.spec = { ...a.spec, clusterIP: '10.96.200.2', clusterIPs: ['10.96.200.2'] };
    expect(
      await refused(
        core.replaceNamespacedService({ name: 'fixed', namespace: 'default', body: a }),
      ),
    ).to.equal(422);
    // Deleting frees it.
    await core.deleteNamespacedService({ name: 'fixed', namespace: 'default' });
    const again = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'again' }, spec: { clusterIP: '10.96.200.1', ports: port } },
    });
    expect(again.spec?.clusterIP).to.equal('10.96.200.1');
  });

  it('needs ports unless the Service is headless (clusterIP None) or an ExternalName', async () => {
    // ValidateService, kubernetes pkg/apis/core/validation/validation.go.
    const create = (name: string, spec: k8s.V1ServiceSpec): Promise<k8s.V1Service> =>
      core.createNamespacedService({ namespace: 'default', body: { metadata: { name }, spec } });
    expect(await refused(create('portless', {}))).to.equal(422);
    expect(await refused(create('portless-lb', { type: 'LoadBalancer' }))).to.equal(422);
    const headless = await create('headless', { clusterIP: 'None' });
    expect(headless.spec?.clusterIPs).to.deep.equal(['None']);
    const external = await create('external', {
      type: 'ExternalName',
      externalName: 'web.example.com',
    });
    expect(external.spec?.ports).to.equal(undefined);
  });

  it('names objects from generateName', async () => {
    const made = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'cfg-' }, data: { a: '1' } },
    });
    expect(made.metadata?.name).to.match(/^cfg-[a-z0-9]{5}$/);
  });

  it('selects by field, and refuses fields it does not support', async () => {
    for (const [name, node] of [
      ['p1', 'node-a'],
      ['p2', 'node-b'],
    ] as const) {
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name },
          spec: { nodeName: node, containers: [{ name: 'c', image: 'c' }] },
        },
      });
    }
    const onA = await core.listNamespacedPod({
      namespace: 'default',
      fieldSelector: 'spec.nodeName=node-a',
    });
    expect(onA.items.map((p) => p.metadata?.name)).to.deep.equal(['p1']);
    const notA = await core.listPodForAllNamespaces({
      fieldSelector: 'spec.nodeName!=node-a,metadata.namespace=default',
    });
    expect(notA.items.map((p) => p.metadata?.name)).to.deep.equal(['p2']);
    expect(
      await refused(
        core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.bogus=x' }),
      ),
    ).to.equal(400);
  });

  it('checks but stores nothing on dryRun=All', async () => {
    const dry = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'dry' } },
      dryRun: 'All',
    });
    expect(dry.metadata?.name).to.equal('dry');
    expect(
      await refused(core.readNamespacedConfigMap({ name: 'dry', namespace: 'default' })),
    ).to.equal(404);
  });

  it('needs the namespace to exist, and deleting a namespace deletes what is in it', async () => {
    expect(
      await refused(
        core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }),
      ),
    ).to.equal(404);
    await core.createNamespace({ body: { metadata: { name: 'metallb-system' } } });
    await core.createNamespacedConfigMap({
      namespace: 'metallb-system',
      body: { metadata: { name: 'config' } },
    });
    const ns = await core.readNamespace({ name: 'metallb-system' });
    expect(ns.status?.phase).to.equal('Active');
    await core.deleteNamespace({ name: 'metallb-system' });
    expect(
      await refused(core.readNamespacedConfigMap({ name: 'config', namespace: 'metallb-system' })),
    ).to.equal(404);
  });

  it('creates on server-side apply when absent, merges when present', async () => {
    const apply = (body: object) =>
      core.patchNamespacedConfigMap(
        { name: 'ssa', namespace: 'default', body, fieldManager: 'test' },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
      );
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa' },
      data: { a: '1' },
    });
    const merged = await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa' },
      data: { b: '2' },
    });
    expect(merged.data).to.deep.equal({ a: '1', b: '2' });
  });

  it('folds Secret stringData into base64 data', async () => {
    const secret = await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { name: 'memberlist' }, stringData: { secretkey: 'abc' } },
    });
    expect(secret.data).to.deep.equal({ secretkey: Buffer.from('abc').toString('base64') });
    expect(secret.stringData).to.equal(undefined);
  });
});

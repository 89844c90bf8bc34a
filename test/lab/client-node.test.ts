/**
 * The lab seen through @kubernetes/client-node, the client our daemons use:
 * informers (list, then watch) through closed watches and 410 Gone,
 * optimistic concurrency, status/spec separation, auth and faults.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { Lab } from '../../src/lab/index.js';
import { fetchLab } from '../support/lab-api.js';

const NAMESPACE = 'default';

function service(name: string, labels: Record<string, string> = {}): k8s.V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] },
  };
}

/** Polls until `check` passes or the deadline; the last failure is thrown. */
async function eventually(check: () => void, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function statusCode(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describe('lab: with @kubernetes/client-node', function () {
  this.timeout(30_000);
  let lab: Lab;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  beforeEach(async () => {
    lab = await Lab.start();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  afterEach(async () => {
    await lab.stop();
  });

  it('serves the usual defaults on create: uid, resourceVersion, a ClusterIP and NodePorts', async () => {
    const created = await core.createNamespacedService({
      namespace: NAMESPACE,
      body: service('web'),
    });
    expect(created.metadata?.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).to.be.greaterThan(0);
    expect(created.spec?.clusterIP).to.match(/^10\.96\./);
    expect(created.spec?.externalTrafficPolicy).to.equal('Cluster');
    expect(created.spec?.sessionAffinity).to.equal('None');
    expect(created.spec?.ports?.[0]?.nodePort).to.be.within(30000, 32767);
    expect(created.spec?.ipFamilies).to.deep.equal(['IPv4']);
  });

  it('answers an update with a stale resourceVersion with 409 Conflict', async () => {
    const created = await core.createNamespacedService({
      namespace: NAMESPACE,
      body: service('web'),
    });
    const stale = structuredClone(created);
    created.metadata = { ...created.metadata, labels: { tier: 'front' } };
    await core.replaceNamespacedService({ name: 'web', namespace: NAMESPACE, body: created });
    stale.metadata = { ...stale.metadata, labels: { tier: 'back' } };
    try {
      await core.replaceNamespacedService({ name: 'web', namespace: NAMESPACE, body: stale });
      expect.fail('a stale update must be refused');
    } catch (error) {
      expect(statusCode(error)).to.equal(409);
    }
  });

  it('keeps spec and status apart: a status write changes only status, a spec write never status', async () => {
    await core.createNamespacedService({ namespace: NAMESPACE, body: service('web') });
    const current = await core.readNamespacedService({ name: 'web', namespace: NAMESPACE });
    current.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
    current.spec = { ...current.spec, sessionAffinity: 'ClientIP' };
    const afterStatus = await core.replaceNamespacedServiceStatus({
      name: 'web',
      namespace: NAMESPACE,
      body: current,
    });
    expect(afterStatus.status?.loadBalancer?.ingress?.[0]?.ip).to.equal('192.0.2.10');
    expect(afterStatus.spec?.sessionAffinity, 'spec untouched by a status write').to.equal('None');
    afterStatus.status = { loadBalancer: {} };
    const afterSpec = await core.replaceNamespacedService({
      name: 'web',
      namespace: NAMESPACE,
      body: afterStatus,
    });
    expect(
      afterSpec.status?.loadBalancer?.ingress?.[0]?.ip,
      'status untouched by a spec write',
    ).to.equal('192.0.2.10');
  });

  it('lets an informer see every change in order, through a closed watch and a 410', async () => {
    const seen: string[] = [];
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NAMESPACE}/services`, () =>
      core.listNamespacedService({ namespace: NAMESPACE }),
    );
    const record = (verb: string) => (object: k8s.V1Service) =>
      seen.push(
        `${verb} ${object.metadata?.name ?? ''} ${JSON.stringify(object.metadata?.labels ?? {})}`,
      );
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    const errors: unknown[] = [];
    let running = true;
    informer.on('error', (error) => {
      errors.push(error);
      // client-node stops on an error it does not handle itself; an operator of ours restarts it.
      setTimeout(() => {
        if (running) void informer.start();
      }, 50);
    });
    await informer.start();
    try {
      await core.createNamespacedService({ namespace: NAMESPACE, body: service('a') });
      await core.patchNamespacedService(
        { name: 'a', namespace: NAMESPACE, body: { metadata: { labels: { v: '2' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually(() => expect(seen).to.deep.equal(['add a {}', 'update a {"v":"2"}']));

      // The server drops every watch: the informer reconnects from its resourceVersion.
      lab.inject({ action: 'close-watches' });
      await core.createNamespacedService({ namespace: NAMESPACE, body: service('b') });
      await eventually(() => expect(seen).to.include('add b {}'));

      // The history is gone: the next watch gets 410 and the informer lists again.
      lab.inject({ action: 'expire-history' });
      lab.inject({ action: 'close-watches' });
      await core.deleteNamespacedService({ name: 'a', namespace: NAMESPACE });
      await core.createNamespacedService({ namespace: NAMESPACE, body: service('c') });
      await eventually(() => {
        expect(seen).to.include('delete a {"v":"2"}');
        expect(seen).to.include('add c {}');
      });
      expect(seen.slice(0, 3)).to.deep.equal(['add a {}', 'update a {"v":"2"}', 'add b {}']);
    } catch (error) {
      throw new Error(
        `${String(error)}; seen: ${JSON.stringify(seen)}; informer errors: ${errors.map(String).join(' | ')}`,
        { cause: error },
      );
    } finally {
      running = false;
      await informer.stop();
    }
  });

  it('refuses requests without the token', async () => {
    const response = await fetchLab(lab, '/api/v1/namespaces', { token: 'wrong' });
    expect(response.status).to.equal(401);
    expect(((await response.json()) as { reason: string }).reason).to.equal('Unauthorized');
  });

  it('returns real Status errors: NotFound, AlreadyExists, Invalid', async () => {
    try {
      await core.readNamespacedService({ name: 'nope', namespace: NAMESPACE });
      expect.fail('expected NotFound');
    } catch (error) {
      expect(statusCode(error)).to.equal(404);
    }
    await core.createNamespacedService({ namespace: NAMESPACE, body: service('web') });
    try {
      await core.createNamespacedService({ namespace: NAMESPACE, body: service('web') });
      expect.fail('expected AlreadyExists');
    } catch (error) {
      expect(statusCode(error)).to.equal(409);
    }
    const response = await fetchLab(lab, `/api/v1/namespaces/${NAMESPACE}/services`, {
      method: 'POST',
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'bad' },
        spec: { type: 'Bogus', ports: [{ port: 80 }] },
      },
    });
    expect(response.status).to.equal(422);
    expect(((await response.json()) as { reason: string }).reason).to.equal('Invalid');
  });

  it('streams watch events with bookmarks, ends at timeoutSeconds, and turns selector changes into ADDED/DELETED', async () => {
    await lab.stop();
    lab = await Lab.start({ bookmarkIntervalMs: 100 });
    const list = await fetchLab(lab, '/api/v1/namespaces/default/services');
    const revision = ((await list.json()) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    // Resolves when the watch ends; starting from the listed revision, it sees what follows either way.
    const watching = fetchLab(
      lab,
      `/api/v1/namespaces/default/services?watch=true&resourceVersion=${revision}&allowWatchBookmarks=true&timeoutSeconds=1&labelSelector=tier%3Dfront`,
    );
    const started = Date.now();
    const created = await fetchLab(lab, '/api/v1/namespaces/default/services', {
      method: 'POST',
      body: service('w', { tier: 'front' }),
    });
    expect(created.status).to.equal(201);
    await fetchLab(lab, '/api/v1/namespaces/default/services/w', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { tier: 'back' } } },
    });
    const text = await (await watching).text(); // ends by itself after timeoutSeconds
    expect(Date.now() - started).to.be.lessThan(3000);
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: k8s.V1Service });
    const changes = events
      .filter((e) => e.type !== 'BOOKMARK')
      .map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);
    expect(changes).to.deep.equal(['ADDED w', 'DELETED w']);
    expect(events.some((e) => e.type === 'BOOKMARK')).to.equal(true);
  });

  it('injects faults: failures, 429, expired history, and paused writes', async () => {
    lab.inject({ action: 'fail', count: 2, code: 500 });
    expect((await fetchLab(lab, '/api/v1/namespaces')).status).to.equal(500);
    expect((await fetchLab(lab, '/api/v1/namespaces')).status).to.equal(500);
    expect((await fetchLab(lab, '/api/v1/namespaces')).status).to.equal(200);

    const viaHttp = await fetchLab(lab, '/lab/faults', {
      method: 'POST',
      body: { action: 'fail', count: 1, code: 429 },
    });
    expect(viaHttp.status).to.equal(200);
    expect((await fetchLab(lab, '/api/v1/namespaces')).status).to.equal(429);

    await fetchLab(lab, '/lab/faults', { method: 'POST', body: { action: 'expire-history' } });
    const old = await fetchLab(
      lab,
      '/api/v1/namespaces/default/services?watch=true&resourceVersion=1',
    );
    expect(old.status).to.equal(410);
    expect(((await old.json()) as { code: number }).code).to.equal(410);

    lab.inject({ action: 'pause-writes' });
    let done = false;
    const write = core
      .createNamespacedService({ namespace: NAMESPACE, body: service('later') })
      .then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(done, 'the write waits while writes are paused').to.equal(false);
    lab.inject({ action: 'resume-writes' });
    await write;
    expect(done).to.equal(true);
  });
});

/**
 * reuseConnections: one dispatcher per cluster and TLS options,
 * options holding certificates as Buffers told apart by their bytes. And
 * clusterAccess in a pod: the service account as the kubelet mounts it
 * (under a private root), against the lab's API server.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterAccess, reuseConnections, statusOf } from '../../src/k8s/index.js';
import { Lab } from '../../src/lab/index.js';

type Options = Record<string, unknown>;

/** A stand-in with client-node's private dispatcher factory: it records what it was asked for. */
function fakeConfig(): { config: KubeConfig; made: Options[] } {
  const made: Options[] = [];
  const fake = {
    createDispatcher: (_cluster: unknown, options: Options) => {
      made.push(options);
      return { agent: made.length };
    },
  };
  return { config: fake as unknown as KubeConfig, made };
}

type Factory = (cluster: unknown, options: Options) => unknown;
const factoryOf = (config: KubeConfig): Factory =>
  (config as unknown as { createDispatcher: Factory }).createDispatcher;

describe('reuseConnections', () => {
  const cluster = { name: 'lab', server: 'https://127.0.0.1:6443' };

  it('makes one dispatcher for equal options, even in new Buffers', () => {
    const { config, made } = fakeConfig();
    const create = factoryOf(reuseConnections(config));
    const a = create(cluster, { ca: Buffer.from('CA-1'), cert: Buffer.from('C'), key: 'K' });
    const b = create(cluster, { ca: Buffer.from('CA-1'), cert: Buffer.from('C'), key: 'K' });
    expect(b).to.equal(a);
    expect(made).to.have.length(1);
  });

  it("wraps the installed client-node's own factory (a renamed one would silently disable it)", async () => {
    const { KubeConfig: RealKubeConfig } = await import('@kubernetes/client-node');
    const real = new RealKubeConfig();
    const own = factoryOf(real);
    expect(own, 'client-node has no createDispatcher').to.be.a('function');
    const create = factoryOf(reuseConnections(real));
    expect(create).to.not.equal(own);
    const options = { ca: Buffer.from('CA-1'), rejectUnauthorized: false };
    const first = create(cluster, options);
    expect(first, 'a dispatcher for TLS options').to.not.equal(undefined);
    expect(create(cluster, { ...options, ca: Buffer.from('CA-1') })).to.equal(first);
  });

  it('makes another agent when a certificate byte, the cluster or a CA in a list differs', () => {
    const { config, made } = fakeConfig();
    const create = factoryOf(reuseConnections(config));
    create(cluster, { ca: Buffer.from('CA-1') });
    create(cluster, { ca: Buffer.from('CA-2') });
    create({ ...cluster, server: 'https://127.0.0.1:6444' }, { ca: Buffer.from('CA-1') });
    create(cluster, { ca: [Buffer.from('CA-1'), Buffer.from('CA-3')] });
    create(cluster, { ca: [Buffer.from('CA-1'), Buffer.from('CA-4')] });
    // A string and a Buffer of the same text are different options to TLS.
    create(cluster, { ca: 'CA-1' });
    expect(made).to.have.length(6);
  });
});

describe('clusterAccess in a pod', function () {
  this.timeout(30_000);
  let lab: Lab;
  let root: string;
  const saved = { ...process.env };

  /** A service account directory as the kubelet mounts it, under a private root. */
  function mountServiceAccount(token: string): void {
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), token);
    writeFileSync(join(dir, 'ca.crt'), lab.caPem);
    writeFileSync(join(dir, 'namespace'), 'metallb-system\n');
  }

  before(async () => {
    lab = await Lab.start();
  });
  after(async () => {
    await lab.stop();
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'metallb-ts-sa-'));
    const url = new URL(lab.serverUrl);
    // What the kubelet sets in every pod; no KUBECONFIG there.
    process.env['KUBERNETES_SERVICE_HOST'] = url.hostname;
    process.env['KUBERNETES_SERVICE_PORT'] = url.port;
    delete process.env['KUBECONFIG'];
  });
  afterEach(() => {
    for (const name of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KUBECONFIG'])
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    rmSync(root, { recursive: true, force: true });
  });

  it('uses the service account: its namespace, and its token and CA against the API server', async () => {
    mountServiceAccount(lab.token);
    const access = await clusterAccess({ root });
    expect(access.namespace).to.equal('metallb-system');
    const services = await access.api.request<{ items: unknown[] }>('GET', '/api/v1/services');
    expect(services.items).to.be.an('array');
    access.api.close();
  });

  it('is refused with another token, so the token is what it sends', async () => {
    mountServiceAccount('not-the-token');
    const { api } = await clusterAccess({ root });
    let status: number | undefined;
    try {
      await api.request('GET', '/api/v1/services');
    } catch (error) {
      status = statusOf(error);
    }
    api.close();
    expect(status).to.equal(401);
  });

  it('lets --namespace win, and without a service account falls back to a kubeconfig', async () => {
    mountServiceAccount(lab.token);
    const named = await clusterAccess({ root, namespace: 'other' });
    named.api.close();
    expect(named.namespace).to.equal('other');
    const elsewhere = mkdtempSync(join(tmpdir(), 'metallb-ts-sa-'));
    try {
      const access = await clusterAccess({ root: elsewhere, kubeconfig: lab.kubeconfigPath });
      access.api.close();
      expect(access.api.server).to.equal(new URL(lab.serverUrl).origin);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('clusterAccess with a plugin user (exec), through client-node', function () {
  this.timeout(30_000);
  let lab: Lab;
  let dir: string;

  before(async () => {
    lab = await Lab.start();
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-exec-'));
  });
  after(async () => {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A kubeconfig whose user runs a credential plugin that prints `token`. */
  function execKubeconfig(token: string): string {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      status: { token },
    });
    const path = join(dir, `kubeconfig-${token}`);
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'lab',
            cluster: {
              server: lab.serverUrl,
              'certificate-authority-data': Buffer.from(lab.caPem).toString('base64'),
            },
          },
        ],
        users: [
          {
            name: 'plugin',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1beta1',
                command: process.execPath,
                args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
                interactiveMode: 'Never',
              },
            },
          },
        ],
        contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'plugin', namespace: 'apps' } }],
        'current-context': 'lab',
      }),
    );
    return path;
  }

  it('sends the token the plugin gives, and the namespace of the context', async () => {
    const access = await clusterAccess({ kubeconfig: execKubeconfig(lab.token) });
    const services = await access.api.request<{ items: unknown[] }>('GET', '/api/v1/services');
    access.api.close();
    expect(services.items).to.be.an('array');
    expect(access.namespace).to.equal('apps');
  });

  it('is refused when the plugin gives another token', async () => {
    const { api } = await clusterAccess({ kubeconfig: execKubeconfig('not-the-token') });
    let status = -1;
    await api.request('GET', '/api/v1/services').catch((error: unknown) => {
      status = statusOf(error);
    });
    api.close();
    expect(status).to.equal(401);
  });
});

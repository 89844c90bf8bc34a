/**
 * Our kubeconfig reader against client-node's KubeConfig as the reference:
 * the same files give the same server, CA, client certificate and key,
 * Authorization and namespace. Where client-node departs from kubectl
 * (merging files with overlapping names: client-node throws), kubectl's own
 * merged view is the reference when kubectl is on the machine. Then the
 * lab's kubeconfig against the lab, and the service account as a pod sees it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  inClusterEndpoint,
  KubeconfigError,
  kubeconfigPaths,
  loadKubeconfig,
  type ApiEndpoint,
  type KubeconfigResult,
} from '../../src/k8s/index.js';
import { Lab } from '../../src/lab/index.js';
import { KUBECTL } from '../support/kubectl.js';

/** PEM-shaped bytes, different for each label, so a mixed-up file shows. */
const pem = (label: string): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(`${label} `.repeat(8)).toString('base64')}\n-----END CERTIFICATE-----\n`;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** What a client sends, as client-node's applyToHTTPSOptions fills it in. */
interface Seen {
  readonly server: string | undefined;
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly authorization: string | undefined;
  readonly basic: string | undefined;
  readonly rejectUnauthorized: boolean | undefined;
  readonly namespace: string | undefined;
}

const text = (value: unknown): string | undefined =>
  value === undefined ? undefined : Buffer.from(value as Buffer).toString('utf8');

async function seenByClientNode(config: KubeConfig): Promise<Seen> {
  const options: RequestOptions & { headers?: Record<string, string> } = {};
  await config.applyToHTTPSOptions(options);
  return {
    server: config.getCurrentCluster()?.server,
    ca: text(options.ca),
    cert: text(options.cert),
    key: text(options.key),
    authorization: options.headers?.['Authorization'],
    basic: typeof options.auth === 'string' ? options.auth : undefined,
    rejectUnauthorized: options.rejectUnauthorized,
    namespace: config.getContextObject(config.getCurrentContext())?.namespace,
  };
}

function endpointOf(result: KubeconfigResult): { endpoint: ApiEndpoint; namespace?: string } {
  if (result.kind !== 'endpoint') throw new Error(`expected an endpoint, got ${result.kind}`);
  return result;
}

function seenByUs(result: KubeconfigResult): Seen {
  const { endpoint, namespace } = endpointOf(result);
  return {
    server: endpoint.server,
    ca: text(endpoint.ca),
    cert: text(endpoint.cert),
    key: text(endpoint.key),
    authorization: endpoint.token === undefined ? undefined : `Bearer ${endpoint.token}`,
    basic:
      endpoint.basicAuth === undefined
        ? undefined
        : `${endpoint.basicAuth.username}:${endpoint.basicAuth.password}`,
    rejectUnauthorized: endpoint.insecureSkipTlsVerify ? false : undefined,
    namespace,
  };
}

/** A kubeconfig with one cluster, user and context, all named `name`. */
function single(
  name: string,
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  context: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name, ...context } }],
    'current-context': name,
  });
}

describe('kubeconfig: the same as client-node reads it', () => {
  let dir: string;
  const saved = process.env['KUBECONFIG'];

  const write = (name: string, content: string): string => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    return path;
  };

  /** Loads `path` with both readers and expects the same view; returns ours. */
  async function sameAsClientNode(path: string): Promise<Seen> {
    const reference = new KubeConfig();
    reference.loadFromFile(path);
    const ours = seenByUs(loadKubeconfig([path], { explicit: true }));
    expect(ours).to.deep.equal(await seenByClientNode(reference));
    return ours;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-kubeconfig-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token user, with the CA as data', async () => {
    const path = write(
      'config',
      single(
        'lab',
        { server: 'https://127.0.0.1:6443/', 'certificate-authority-data': b64(pem('ca')) },
        { token: 'token-1' },
      ),
    );
    const seen = await sameAsClientNode(path);
    // Not just equal to each other: equal to what the file says.
    expect(seen.server).to.equal('https://127.0.0.1:6443');
    expect(seen.ca).to.equal(pem('ca'));
    expect(seen.authorization).to.equal('Bearer token-1');
    expect(seen.namespace).to.equal(undefined);
  });

  it('a client certificate and key as -data, and the namespace in the context', async () => {
    const path = write(
      'config',
      single(
        'certs',
        { server: 'https://10.0.0.1:443', 'certificate-authority-data': b64(pem('ca')) },
        { 'client-certificate-data': b64(pem('cert')), 'client-key-data': b64(pem('key')) },
        { namespace: 'metallb-system' },
      ),
    );
    const seen = await sameAsClientNode(path);
    expect([seen.cert, seen.key, seen.namespace]).to.deep.equal([
      pem('cert'),
      pem('key'),
      'metallb-system',
    ]);
    expect(seen.authorization).to.equal(undefined);
  });

  it('the CA, certificate and key as paths relative to the kubeconfig, not to the working directory', async () => {
    write('kube/pki/ca.crt', pem('ca-file'));
    write('kube/pki/client.crt', pem('cert-file'));
    write('kube/pki/client.key', pem('key-file'));
    const path = write(
      'kube/config',
      single(
        'files',
        { server: 'https://127.0.0.1:6443', 'certificate-authority': 'pki/ca.crt' },
        { 'client-certificate': 'pki/client.crt', 'client-key': './pki/client.key' },
      ),
    );
    const seen = await sameAsClientNode(path);
    expect([seen.ca, seen.cert, seen.key]).to.deep.equal([
      pem('ca-file'),
      pem('cert-file'),
      pem('key-file'),
    ]);
  });

  it('a CA file by absolute path, and basic auth', async () => {
    const ca = write('elsewhere/ca.pem', pem('absolute'));
    const path = write(
      'config',
      single(
        'basic',
        { server: 'https://127.0.0.1:6443', 'certificate-authority': ca },
        { username: 'admin', password: 'secret' },
      ),
    );
    const seen = await sameAsClientNode(path);
    expect(seen.ca).to.equal(pem('absolute'));
    expect(seen.basic).to.equal('admin:secret');
  });

  it('insecure-skip-tls-verify and tls-server-name', async () => {
    const path = write(
      'config',
      single(
        'insecure',
        {
          server: 'https://127.0.0.1:6443',
          'insecure-skip-tls-verify': true,
          'tls-server-name': 'kubernetes.default',
        },
        { token: 't' },
      ),
    );
    const seen = await sameAsClientNode(path);
    expect(seen.rejectUnauthorized).to.equal(false);
    const { endpoint } = endpointOf(loadKubeconfig([path]));
    const reference = new KubeConfig();
    reference.loadFromFile(path);
    expect(endpoint.tlsServerName).to.equal(reference.getCurrentCluster()?.tlsServerName);
    expect(endpoint.tlsServerName).to.equal('kubernetes.default');
  });

  it('an IPv6 server', async () => {
    const path = write(
      'config',
      single('v6', { server: 'https://[2001:db8::1]:443', 'insecure-skip-tls-verify': true }, {}),
    );
    const seen = await sameAsClientNode(path);
    expect(seen.server).to.equal('https://[2001:db8::1]:443');
  });

  /** insecure-skip-tls-verify written as `written`, as kubectl and as we read it. */
  const insecureSkipTlsVerify = (written: string): { kubectl: boolean; ours: boolean } => {
    const path = write(
      'config',
      [
        'clusters:',
        '- name: lab',
        `  cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: ${written}}`,
        'contexts: [{name: lab, context: {cluster: lab}}]',
        'current-context: lab',
      ].join('\n'),
    );
    const view = spawnSync(KUBECTL ?? 'kubectl', ['config', 'view', '--raw', '-o', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: path, HOME: dir },
    });
    expect(view.status, view.stderr).to.equal(0);
    const kubectl = JSON.parse(view.stdout) as {
      clusters: { cluster: { 'insecure-skip-tls-verify'?: boolean } }[];
    };
    return {
      // kubectl leaves out a false value (omitempty).
      kubectl: kubectl.clusters[0]?.cluster['insecure-skip-tls-verify'] ?? false,
      ours: endpointOf(loadKubeconfig([path])).endpoint.insecureSkipTlsVerify,
    };
  };

  it('reads YAML 1.1 as kubectl does, where client-node reads 1.2 (`yes` is true)', function () {
    if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
    const seen = insecureSkipTlsVerify('yes');
    expect(seen.kubectl).to.equal(true);
    expect(seen.ours).to.equal(true);
  });

  it('reads every YAML 1.1 boolean spelling as kubectl does (go-yaml v2 resolve.go)', function () {
    if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
    // go-yaml v2 resolve.go's table: these spellings are booleans, whatever js-yaml's default says.
    const spellings: [string, boolean][] = [
      ...['yes', 'Yes', 'on', 'ON', 'y', 'Y', 'True'].map((t): [string, boolean] => [t, true]),
      ...['no', 'off', 'Off', 'n', 'N', 'FALSE'].map((t): [string, boolean] => [t, false]),
    ];
    for (const [spelling, meant] of spellings)
      expect(insecureSkipTlsVerify(spelling), spelling).to.deep.equal({
        kubectl: meant,
        ours: meant,
      });
  });

  it('an empty file in KUBECONFIG is an empty kubeconfig, as for kubectl', () => {
    const empty = write('empty', '');
    const comment = write('comment', '# nothing yet\n');
    const config = write(
      'config',
      JSON.stringify({
        clusters: [{ name: 'one', cluster: { server: 'https://127.0.0.1:1111' } }],
        contexts: [{ name: 'one', context: { cluster: 'one' } }],
        'current-context': 'one',
      }),
    );
    expect(endpointOf(loadKubeconfig([empty, comment, config])).endpoint.server).to.equal(
      'https://127.0.0.1:1111',
    );
  });

  it('two files in KUBECONFIG, the current-context only in the second', async () => {
    const first = write(
      'first',
      JSON.stringify({
        clusters: [{ name: 'one', cluster: { server: 'https://127.0.0.1:1111' } }],
        users: [{ name: 'one', user: { token: 'from-first' } }],
        contexts: [{ name: 'one', context: { cluster: 'one', user: 'one', namespace: 'a' } }],
      }),
    );
    const second = write(
      'second',
      JSON.stringify({
        clusters: [{ name: 'two', cluster: { server: 'https://127.0.0.1:2222' } }],
        contexts: [{ name: 'two', context: { cluster: 'two', namespace: 'b' } }],
        'current-context': 'one',
      }),
    );
    const paths = kubeconfigPaths(undefined, { KUBECONFIG: `${first}::${second}` }, '/nowhere');
    expect(paths).to.deep.equal([first, second]);
    process.env['KUBECONFIG'] = `${first}:${second}`;
    const reference = new KubeConfig();
    reference.loadFromDefault();
    const ours = seenByUs(loadKubeconfig(paths));
    expect(ours).to.deep.equal(await seenByClientNode(reference));
    expect([ours.server, ours.authorization, ours.namespace]).to.deep.equal([
      'https://127.0.0.1:1111',
      'Bearer from-first',
      'a',
    ]);
  });

  describe('two files with overlapping names', () => {
    /** Both files define cluster, user and context `shared`; only the second sets current-context. */
    function overlapping(): { first: string; second: string } {
      write('first/ca.crt', pem('first-ca'));
      write('second/ca.crt', pem('second-ca'));
      const define = (server: string, token: string, namespace: string) => ({
        clusters: [{ name: 'shared', cluster: { server, 'certificate-authority': 'ca.crt' } }],
        users: [{ name: 'shared', user: { token } }],
        contexts: [{ name: 'shared', context: { cluster: 'shared', user: 'shared', namespace } }],
      });
      return {
        first: write(
          'first/config',
          JSON.stringify(define('https://127.0.0.1:1111', 'first', 'a')),
        ),
        second: write(
          'second/config',
          JSON.stringify({
            ...define('https://127.0.0.1:2222', 'second', 'b'),
            'current-context': 'shared',
          }),
        ),
      };
    }

    it('takes each name from the first file, as kubectl does (client-node refuses the merge)', async () => {
      const { first, second } = overlapping();
      const ours = seenByUs(loadKubeconfig([first, second]));
      // client-node cannot merge these (it throws on a repeated name); read
      // alone, the first file with the second's current-context is what
      // kubectl's rule amounts to.
      process.env['KUBECONFIG'] = `${first}:${second}`;
      expect(() => new KubeConfig().loadFromDefault()).to.throw(/Duplicate/);
      const reference = new KubeConfig();
      reference.loadFromFile(first);
      reference.setCurrentContext('shared');
      expect(ours).to.deep.equal(await seenByClientNode(reference));
      expect([ours.server, ours.ca, ours.authorization, ours.namespace]).to.deep.equal([
        'https://127.0.0.1:1111',
        pem('first-ca'),
        'Bearer first',
        'a',
      ]);
    });

    it('agrees with kubectl config view', function () {
      if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
      const { first, second } = overlapping();
      const view = spawnSync(
        KUBECTL,
        ['config', 'view', '--minify', '--flatten', '--raw', '-o', 'json'],
        { encoding: 'utf8', env: { ...process.env, KUBECONFIG: `${first}:${second}`, HOME: dir } },
      );
      expect(view.status, view.stderr).to.equal(0);
      const merged = JSON.parse(view.stdout) as {
        clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
        users: { user: { token: string } }[];
        contexts: { context: { namespace: string } }[];
      };
      const ours = seenByUs(loadKubeconfig([first, second]));
      expect(ours.server).to.equal(merged.clusters[0]?.cluster.server);
      expect(ours.ca).to.equal(
        text(
          Buffer.from(merged.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64'),
        ),
      );
      expect(ours.authorization).to.equal(`Bearer ${merged.users[0]?.user.token}`);
      expect(ours.namespace).to.equal(merged.contexts[0]?.context.namespace);
    });

    it('takes current-context from the first file that sets one', () => {
      const { first, second } = overlapping();
      const third = write(
        'third',
        JSON.stringify({
          clusters: [{ name: 'third', cluster: { server: 'https://127.0.0.1:3333' } }],
          contexts: [{ name: 'third', context: { cluster: 'third' } }],
          'current-context': 'third',
        }),
      );
      expect(endpointOf(loadKubeconfig([first, second, third])).endpoint.server).to.equal(
        'https://127.0.0.1:1111',
      );
      expect(endpointOf(loadKubeconfig([first, third, second])).endpoint.server).to.equal(
        'https://127.0.0.1:3333',
      );
    });
  });

  it('skips KUBECONFIG files that do not exist; an explicit one must exist', () => {
    const path = write('config', single('lab', { server: 'https://127.0.0.1:6443' }, {}));
    const missing = join(dir, 'missing');
    expect(endpointOf(loadKubeconfig([missing, path])).endpoint.server).to.equal(
      'https://127.0.0.1:6443',
    );
    expectError(() => loadKubeconfig([missing], { explicit: true }), [missing]);
    expectError(() => loadKubeconfig([missing]), [missing]);
  });

  it('keeps tokenFile as a path to re-read, relative to the kubeconfig', () => {
    write('kube/token', 'rotating');
    const path = write(
      'kube/config',
      single('tf', { server: 'https://127.0.0.1:6443' }, { tokenFile: 'token' }),
    );
    const { endpoint } = endpointOf(loadKubeconfig([path]));
    expect(endpoint.tokenFile).to.equal(join(dir, 'kube', 'token'));
    expect(endpoint.token).to.equal(undefined);
  });

  it('says which plugin an exec or auth-provider user needs, with the files to load', () => {
    const exec = write(
      'exec',
      single(
        'cloud',
        { server: 'https://127.0.0.1:6443' },
        { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } },
        { namespace: 'ns' },
      ),
    );
    const provider = write(
      'provider',
      single('oidc', { server: 'https://127.0.0.1:6443' }, { 'auth-provider': { name: 'oidc' } }),
    );
    expect(loadKubeconfig([exec, provider])).to.deep.equal({
      kind: 'plugin',
      plugin: 'exec',
      paths: [exec, provider],
      namespace: 'ns',
    });
    expect(loadKubeconfig([provider])).to.deep.equal({
      kind: 'plugin',
      plugin: 'auth-provider',
      paths: [provider],
    });
  });

  describe('errors name the file and the key', () => {
    it('no current context', () => {
      const path = write(
        'config',
        JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }] }),
      );
      expectError(() => loadKubeconfig([path]), [path, 'current-context']);
    });

    it('a current context that no file defines', () => {
      const path = write('config', JSON.stringify({ 'current-context': 'gone' }));
      expectError(() => loadKubeconfig([path]), [path, 'current-context', '"gone"']);
    });

    it('a context naming a missing cluster, in the file that defines the context', () => {
      const clusters = write(
        'clusters',
        JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }] }),
      );
      const contexts = write(
        'contexts',
        JSON.stringify({
          contexts: [{ name: 'x', context: { cluster: 'typo' } }],
          'current-context': 'x',
        }),
      );
      expectError(
        () => loadKubeconfig([clusters, contexts]),
        [contexts, 'contexts["x"].context.cluster', '"typo"'],
      );
    });

    it('a missing certificate file, in the file that names it', () => {
      const path = write(
        'kube/config',
        single(
          'm',
          { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(pem('ca')) },
          { 'client-certificate': 'missing.crt', 'client-key-data': b64(pem('key')) },
        ),
      );
      expectError(
        () => loadKubeconfig([path]),
        [path, 'users["m"].user.client-certificate', join(dir, 'kube', 'missing.crt')],
      );
    });

    it('a cluster without a server, bad base64, a certificate without its key', () => {
      const noServer = write('no-server', single('s', {}, {}));
      expectError(() => loadKubeconfig([noServer]), [noServer, 'clusters["s"].cluster.server']);
      const badData = write(
        'bad-data',
        single('b', { server: 'https://h', 'certificate-authority-data': 'not base64!' }, {}),
      );
      expectError(
        () => loadKubeconfig([badData]),
        [badData, 'clusters["b"].cluster.certificate-authority-data'],
      );
      const noKey = write(
        'no-key',
        single('k', { server: 'https://h' }, { 'client-certificate-data': b64(pem('c')) }),
      );
      expectError(() => loadKubeconfig([noKey]), [noKey, 'users["k"].user.client-key']);
    });

    it('what kubectl refuses: a token with basic auth, insecure with a CA', () => {
      const both = write(
        'both',
        single('b', { server: 'https://h' }, { token: 't', username: 'u', password: 'p' }),
      );
      expectError(() => loadKubeconfig([both]), [both, 'users["b"].user']);
      const insecure = write(
        'insecure',
        single(
          'i',
          {
            server: 'https://h',
            'insecure-skip-tls-verify': true,
            'certificate-authority-data': b64(pem('ca')),
          },
          {},
        ),
      );
      expectError(
        () => loadKubeconfig([insecure]),
        [insecure, 'clusters["i"].cluster.insecure-skip-tls-verify'],
      );
    });

    it('a file that is not YAML', () => {
      const path = write('config', 'clusters: [unclosed');
      expectError(() => loadKubeconfig([path]), [path]);
    });

    it('a file of several YAML documents', () => {
      const path = write('config', 'clusters: []\n---\nusers: []\n');
      expectError(() => loadKubeconfig([path]), [path, '2 YAML documents']);
    });
  });
});

/** Expects a KubeconfigError whose message contains every one of `parts`. */
function expectError(load: () => unknown, parts: readonly string[]): void {
  let caught: unknown;
  try {
    load();
  } catch (error) {
    caught = error;
  }
  expect(caught).to.be.instanceOf(KubeconfigError);
  const message = (caught as Error).message;
  for (const part of parts) expect(message).to.include(part);
}

describe('kubeconfigPaths', () => {
  it('is --kubeconfig alone, else KUBECONFIG without empty entries, else ~/.kube/config', () => {
    const env = { KUBECONFIG: ':/a::/b:/a:' };
    expect(kubeconfigPaths('/explicit', env, '/home/me')).to.deep.equal(['/explicit']);
    expect(kubeconfigPaths(undefined, env, '/home/me')).to.deep.equal(['/a', '/b']);
    expect(kubeconfigPaths(undefined, { KUBECONFIG: '' }, '/home/me')).to.deep.equal([
      '/home/me/.kube/config',
    ]);
    expect(kubeconfigPaths(undefined, {}, '/home/me')).to.deep.equal(['/home/me/.kube/config']);
  });
});

/** One GET with node:https, authenticating as the endpoint says; resolves to the status. */
function get(endpoint: ApiEndpoint, path: string, token = endpoint.token): Promise<number> {
  const url = new URL(path, `${endpoint.server}/`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
        ...(endpoint.cert === undefined ? {} : { cert: endpoint.cert }),
        ...(endpoint.key === undefined ? {} : { key: endpoint.key }),
        headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('kubeconfig and in-cluster: against the lab', function () {
  this.timeout(30_000);
  let lab: Lab;
  let root: string;
  const saved = { ...process.env };

  /** A service account directory as the kubelet mounts it, under a private root. */
  function mountServiceAccount(token: string, namespace = 'metallb-system\n'): string {
    const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), token);
    writeFileSync(join(dir, 'ca.crt'), lab.caPem);
    writeFileSync(join(dir, 'namespace'), namespace);
    return dir;
  }

  before(async () => {
    lab = await Lab.start();
  });
  after(async () => {
    await lab.stop();
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'metallb-ts-sa-'));
  });
  afterEach(() => {
    for (const name of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'])
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    rmSync(root, { recursive: true, force: true });
  });

  it("reads the lab's kubeconfig, and the API server takes its CA and token (and no other token)", async () => {
    const result = loadKubeconfig([lab.kubeconfigPath], { explicit: true });
    const { endpoint, namespace } = endpointOf(result);
    expect(endpoint.server).to.equal(lab.serverUrl);
    expect(text(endpoint.ca)).to.equal(lab.caPem);
    expect(namespace).to.equal('default');
    expect(await get(endpoint, '/api/v1/namespaces')).to.equal(200);
    expect(await get(endpoint, '/api/v1/namespaces', 'not-the-token')).to.equal(401);
  });

  it('in a pod: the same server, CA, Authorization and namespace as client-node, and the lab takes them', async () => {
    const dir = mountServiceAccount(lab.token);
    const url = new URL(lab.serverUrl);
    const env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
    Object.assign(process.env, env);
    const reference = new KubeConfig();
    reference.loadFromCluster(root);
    const expected = await seenByClientNode(reference);

    const ours = inClusterEndpoint(env, root);
    if (ours === undefined) throw new Error('expected to be in a pod');
    const { endpoint } = ours;
    expect(endpoint.server).to.equal(expected.server);
    expect(text(endpoint.ca)).to.equal(expected.ca);
    expect(endpoint.tokenFile).to.equal(join(dir, 'token'));
    expect(`Bearer ${lab.token}`).to.equal(expected.authorization);
    expect(ours.namespace).to.equal(expected.namespace?.trim());
    expect(ours.namespace).to.equal('metallb-system');
    expect(endpoint.token).to.equal(undefined); // re-read from tokenFile, never copied
    expect(await get(endpoint, '/api/v1/namespaces', lab.token)).to.equal(200);
  });

  it('in a pod on IPv6: the host in brackets, as client-node writes it', () => {
    mountServiceAccount('t');
    const env = { KUBERNETES_SERVICE_HOST: '2001:db8::1', KUBERNETES_SERVICE_PORT: '443' };
    Object.assign(process.env, env);
    const reference = new KubeConfig();
    reference.loadFromCluster(root);
    expect(inClusterEndpoint(env, root)?.endpoint.server)
      .to.equal(reference.getCurrentCluster()?.server)
      .and.to.equal('https://[2001:db8::1]:443');
  });

  it('not in a pod: no service host, or no namespace file', () => {
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(inClusterEndpoint(env, root)).to.equal(undefined);
    mountServiceAccount('t');
    expect(inClusterEndpoint({}, root)).to.equal(undefined);
    expect(inClusterEndpoint(env, root)?.endpoint.server).to.equal('https://10.96.0.1:443');
  });
});

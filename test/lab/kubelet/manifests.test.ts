/**
 * `metallb-ts lab --manifests manifests/` without root: the shipped
 * manifests applied, the Deployment's controller run by the lab's kubelet
 * as a process (the image's entrypoint, the service account mounted where
 * in-cluster access reads it, KUBERNETES_SERVICE_HOST/PORT), Ready by its
 * readinessProbe, giving a Service an address; the speaker waiting
 * (hostNetwork needs --netns). Then what the kubelet does with Pods:
 * graceful termination, CrashLoopBackOff, and the mount on its own.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIO, type CliIO } from '../../../src/cli/index.js';
import { startLab, type RunningLab } from '../../../src/cli/lab.js';
import { withServiceAccount } from '../../../src/lab/kubelet/process.js';
import { eventually } from '../../support/eventually.js';
import { KUBECTL, kubectlRunner } from '../../support/kubectl.js';

const NAMESPACE = 'metallb-system';
const IMAGE = 'metallb-ts/metallb-ts:v0.1.0';

/** Running: the pid exists and is not a zombie waiting for whoever inherited it to reap it. */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('lab kubelet: the shipped manifests run (no root)', function () {
  this.timeout(90_000);
  let running: RunningLab;
  let core: k8s.CoreV1Api;
  let output = '';
  const io: CliIO = { ...processIO(), stdout: (t) => (output += t), stderr: (t) => (output += t) };

  before(async function () {
    const started = await startLab(['--manifests', 'manifests/'], io);
    if (started.running === undefined) throw new Error(`lab did not start: ${output}`);
    running = started.running;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(running.lab.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => {
    await running.stop();
  });

  const pods = async (prefix: string): Promise<k8s.V1Pod[]> =>
    (await core.listNamespacedPod({ namespace: NAMESPACE })).items.filter((p) =>
      (p.metadata?.name ?? '').startsWith(prefix),
    );

  it('runs the controller Deployment: Running and Ready on the lab node, named as a ReplicaSet Pod', async () => {
    expect(output).to.match(
      /^controller-[bcdfghjklmnpqrstvwxz2456789]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+127\.0\.0\.1\s+lab-node-1$/m,
    );
    const [controller] = await pods('controller-');
    expect(controller?.metadata?.ownerReferences?.[0]).to.include({
      kind: 'ReplicaSet',
      controller: true,
    });
    expect(controller?.status?.containerStatuses?.[0]?.ready).to.equal(true);
    const pids = running.lab.kubelet.pids(NAMESPACE, controller?.metadata?.name ?? '');
    expect(pids).to.have.length(1);
    expect(alive(pids[0] ?? 0)).to.equal(true);
  });

  it('leaves the speaker waiting with a clear reason: hostNetwork needs --netns', async () => {
    expect(output).to.match(/^speaker-[a-z0-9]{5}\s+0\/1\s+CreateContainerError\s/m);
    const [speaker] = await pods('speaker-');
    expect(speaker?.status?.containerStatuses?.[0]?.state?.waiting?.message).to.include('--netns');
  });

  it('the controller it runs gives a LoadBalancer Service an address from the config', async () => {
    await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    });
    await eventually(async () => {
      const web = await core.readNamespacedService({ name: 'web', namespace: 'default' });
      expect(web.status?.loadBalancer?.ingress?.[0]?.ip).to.equal('192.0.2.0');
    }, 20_000);
  });

  it('kubectl sees the Pods Running on their node and the rollout complete', async function () {
    if (KUBECTL === null) this.skip();
    const home = mkdtempSync(join(tmpdir(), 'metallb-ts-kubectl-'));
    try {
      const kubectl = kubectlRunner(running.lab.kubeconfigPath, home);
      const wide = await kubectl(['get', 'pods', '-n', NAMESPACE, '-o', 'wide']);
      expect(wide.stdout).to.match(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
      expect(wide.stdout).to.match(
        /^controller-\S+\s+1\/1\s+Running\s+0\s+\S+\s+127\.0\.0\.1\s+lab-node-1/m,
      );
      const rollout = await kubectl([
        'rollout',
        'status',
        'deployment/controller',
        '-n',
        NAMESPACE,
        '--timeout=10s',
      ]);
      expect(rollout.stdout).to.include('successfully rolled out');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('ends a deleted Pod gracefully: Terminating, SIGTERM, then gone', async () => {
    // A metallb-ts process that runs until SIGTERM: the lab API alone.
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'api' },
        spec: {
          nodeName: 'lab-node-1',
          terminationGracePeriodSeconds: 20,
          containers: [{ name: 'api', image: IMAGE, args: ['lab', '--api-only'] }],
        },
      },
    });
    let pid = 0;
    await eventually(() => {
      [pid = 0] = running.lab.kubelet.pids('default', 'api');
      expect(pid).to.be.greaterThan(0);
    });
    const started = Date.now();
    // The DELETE answers with the Pod marked, not gone (it may be gone by the next read).
    const marked = await core.deleteNamespacedPod({ name: 'api', namespace: 'default' });
    expect(marked.metadata?.deletionTimestamp).to.not.equal(undefined);
    expect(marked.metadata?.deletionGracePeriodSeconds).to.equal(20);
    await eventually(async () => {
      const left = await core.listNamespacedPod({ namespace: 'default' });
      expect(left.items.map((p) => p.metadata?.name)).to.not.include('api');
    });
    expect(alive(pid)).to.equal(false);
    // It stopped on SIGTERM, well within the 20 s before a SIGKILL.
    expect(Date.now() - started).to.be.below(15_000);
  });

  it('restarts a container that exits, with CrashLoopBackOff between restarts', async () => {
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'crash' },
        spec: {
          nodeName: 'lab-node-1',
          containers: [{ name: 'c', image: IMAGE, args: ['no-such-command'] }],
        },
      },
    });
    await eventually(async () => {
      const pod = await core.readNamespacedPod({ name: 'crash', namespace: 'default' });
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.restartCount).to.equal(1);
      expect(status?.state?.waiting?.reason).to.equal('CrashLoopBackOff');
      expect(status?.state?.waiting?.message).to.include('back-off 10s');
      expect(status?.lastState?.terminated?.exitCode).to.equal(2);
    });
    await core.deleteNamespacedPod({ name: 'crash', namespace: 'default', gracePeriodSeconds: 0 });
  });
});

describe('lab kubelet: the service account mount', () => {
  it('ends the process when the process that started it dies, even by SIGKILL', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const argv = withServiceAccount(['sleep', '60'], tmpdir(), true);
    // A parent that starts the Pod's process, prints its pid, and waits.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(${JSON.stringify(argv[0])}, ${JSON.stringify(argv.slice(1))}, { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    // Once the mounts are done and the program runs (the signal is set just before).
    await eventually(() =>
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).to.equal('sleep'),
    );
    parent.kill('SIGKILL');
    await eventually(() => expect(alive(pid)).to.equal(false), 5_000);
  });

  const userNamespaces =
    spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true']).status === 0;
  for (const isRoot of [true, false]) {
    it(`shows the token at /var/run/secrets/kubernetes.io/serviceaccount (${isRoot ? 'root: a mount namespace' : 'a user namespace'}), and nothing outside`, function () {
      if (isRoot && process.getuid?.() !== 0) this.skip();
      if (!isRoot && !userNamespaces) this.skip();
      const dir = mkdtempSync(join(tmpdir(), 'metallb-ts-sa-'));
      try {
        writeFileSync(join(dir, 'token'), 'the-token');
        const argv = withServiceAccount(
          ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'],
          dir,
          isRoot,
        );
        const ran = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
        expect(ran.stdout).to.equal('the-token');
        expect(
          spawnSync('test', ['-e', '/var/run/secrets/kubernetes.io/serviceaccount/token']).status,
        ).to.not.equal(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { podIPLister, reuseConnections } from '../../src/k8s/index.js';
import { Lab } from '../../src/lab/index.js';
import { membershipConfig, SpeakerMembership } from '../../src/speaker/index.js';
import { eventIs, goPeerOrSkip, startGoPeer } from 'memberlist-ts/testing';
import { applyManifestAccess, serviceAccountApi, SPEAKER_ACCOUNT } from '../support/metallb-lab.js';
import { portFreeOn } from '../support/ports.js';
import { until } from '../support/until.js';

const NAMESPACE = 'metallb-system';
const LABELS = 'app=metallb,component=speaker';
const SECRET = 'abcdefghijklmnopqrstuvwx';

/** A speaker pod as the DaemonSet makes it: hostNetwork, so its pod IP is the node's address. */
async function speakerPod(core: k8s.CoreV1Api, name: string, ip: string): Promise<void> {
  await core.createNamespacedPod({
    namespace: NAMESPACE,
    body: {
      metadata: { name, labels: { app: 'metallb', component: 'speaker' } },
      spec: { hostNetwork: true, containers: [{ name: 'speaker', image: 'metallb-ts' }] },
    },
  });
  // The API server keeps status out of a create, as the kubelet sets it.
  const pod = await core.readNamespacedPod({ name, namespace: NAMESPACE });
  await core.replaceNamespacedPodStatus({
    name,
    namespace: NAMESPACE,
    body: { ...pod, status: { ...pod.status, podIP: ip, phase: 'Running' } },
  });
}

describe('speaker memberlist settings (v0.9 environment)', () => {
  const full = {
    METALLB_NODE_NAME: 'node-a',
    METALLB_ML_BIND_ADDR: '192.0.2.10',
    METALLB_ML_LABELS: LABELS,
    METALLB_ML_NAMESPACE: NAMESPACE,
    METALLB_ML_SECRET_KEY: SECRET,
  };

  it('reads the manifests environment, port 7946 by default', () => {
    const config = membershipConfig(full);
    expect(config).to.deep.equal({
      enabled: true,
      settings: {
        nodeName: 'node-a',
        bindAddr: '192.0.2.10',
        bindPort: 7946,
        labels: LABELS,
        namespace: NAMESPACE,
        secret: SECRET,
      },
    });
    const flagged = membershipConfig(full, { bindPort: 7000, nodeName: 'node-b' });
    expect(flagged.enabled && flagged.settings.bindPort).to.equal(7000);
    expect(flagged.enabled && flagged.settings.nodeName).to.equal('node-b');
  });

  for (const missing of [
    'METALLB_ML_BIND_ADDR',
    'METALLB_ML_LABELS',
    'METALLB_ML_NAMESPACE',
  ] as const) {
    it(`is off, as in v0.9, without ${missing}, and says so`, () => {
      const config = membershipConfig({ ...full, [missing]: '' });
      expect(config.enabled).to.equal(false);
      if (config.enabled) return;
      expect(config.invalid).to.equal(false);
      expect(config.reason).to.include(missing);
    });
  }

  it('refuses a bad port or address with a clear reason', () => {
    const port = membershipConfig({ ...full, METALLB_ML_BIND_PORT: '79460' });
    expect(port.enabled === false && port.invalid && port.reason).to.include('79460');
    const addr = membershipConfig({ ...full, METALLB_ML_BIND_ADDR: 'node-a.example' });
    expect(addr.enabled === false && addr.invalid && addr.reason).to.include('not an IP address');
  });
});

describe('speaker memberlist on the lab (pod discovery, a Go v0.9-style peer)', function () {
  this.timeout(40_000);
  let binary = '';
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let kubeConfig: k8s.KubeConfig;
  const started: SpeakerMembership[] = [];

  before(async function () {
    binary = await goPeerOrSkip(this);
    lab = await Lab.start();
    kubeConfig = reuseConnections(new k8s.KubeConfig());
    kubeConfig.loadFromFile(lab.kubeconfigPath);
    core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    applyManifestAccess(lab);
  });

  after(async () => {
    await Promise.all(started.map((m) => m.stop()));
    await lab?.stop();
  });

  it('finds the speakers by listing pods, joins them at the shared port, and reports who is alive', async () => {
    // Three "nodes" on three loopback addresses, one port, as hostNetwork pods have.
    const hosts = ['127.0.0.11', '127.0.0.12', '127.0.0.13'] as const;
    const port = await portFreeOn(hosts);
    await speakerPod(core, 'speaker-a', hosts[0]);
    await speakerPod(core, 'speaker-b', hosts[1]);
    await speakerPod(core, 'speaker-go', hosts[2]);
    const go = startGoPeer(binary, { name: 'node-go', bind: hosts[2], port, secret: SECRET });
    await go.waitFor(eventIs('ready'), 10_000);

    const logs: string[] = [];
    const start = async (name: string, host: string): Promise<SpeakerMembership> => {
      const config = membershipConfig({
        METALLB_NODE_NAME: name,
        METALLB_ML_BIND_ADDR: host,
        METALLB_ML_BIND_PORT: String(port),
        METALLB_ML_LABELS: LABELS,
        METALLB_ML_NAMESPACE: NAMESPACE,
        METALLB_ML_SECRET_KEY: SECRET,
      });
      if (!config.enabled) throw new Error(`test setup: ${config.reason}`);
      const membership = await SpeakerMembership.start(config.settings, {
        listPeers: podIPLister(serviceAccountApi(lab, SPEAKER_ACCOUNT), NAMESPACE, LABELS),
        log: (level, message) => logs.push(`${level} ${message}`),
      });
      started.push(membership);
      return membership;
    };
    const a = await start('node-a', hosts[0]);
    const changes: (readonly string[])[] = [];
    a.on('change', (live) => changes.push(live));
    const b = await start('node-b', hosts[1]);

    const everyone = ['node-a', 'node-b', 'node-go'];
    await until(
      () => a.live().length === 3 && b.live().length === 3,
      10_000,
      'both to see three members',
    );
    expect(a.live().sort()).to.deep.equal(everyone);
    expect(b.live().sort()).to.deep.equal(everyone);
    // The Go peer, which joined nobody, was found through the pod list.
    await go.waitFor(eventIs('join', 'node-a'), 10_000);
    await go.waitFor(eventIs('join', 'node-b'), 10_000);
    expect(changes.length, 'a change is reported for every join').to.be.greaterThan(0);
    expect(changes.at(-1)?.slice().sort()).to.deep.equal(everyone);

    // A speaker leaving (SIGTERM in the pod) is gone from the live list at once.
    await b.stop();
    await until(() => !a.live().includes('node-b'), 3_000, 'a to see b leave');
    expect(a.live().sort()).to.deep.equal(['node-a', 'node-go']);
    expect(
      logs.some((l) => l.includes('memberlist leave')),
      'the leave is logged',
    ).to.equal(true);
  });
});

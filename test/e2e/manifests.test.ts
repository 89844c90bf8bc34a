/**
 * `lab --netns --manifests` end to end, as root: the shipped manifests
 * applied to a lab whose kubelet has the three node namespaces as nodes.
 * The DaemonSet's speakers run in their nodes' namespaces (hostNetwork,
 * the node's address), the Deployment's controller beside the lab API; a
 * backend DaemonSet (metallb-ts processes, Running without a probe) gives
 * a Service ready endpoints on every node. The real peer is iputils
 * `arping` in the client namespace: the elected node's MAC answers (the
 * election computed here from docs/COMPAT.md section 3). Then the next
 * release's manifests (a new image tag) applied over them: the speakers
 * roll node by node, never more than one node without a Ready speaker
 * (maxUnavailable 1), and the address is answered by the same node after.
 */
import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { processIO, type CliIO } from '../../src/cli/index.js';
import { startLab } from '../../src/cli/lab.js';
import { applyInstall } from '../../src/cli/lab-manifests.js';
import { applyManifests } from '../../src/lab/index.js';
import { NETNS_LAN_POOL, NetnsCluster } from '../../src/netns/cluster/index.js';
import { netnsUnavailable } from '../../src/netns/index.js';
import { until } from '../support/until.js';

const NAMESPACE = 'metallb-system';
const NODES = ['n1', 'n2', 'n3'];

const BACKENDS = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers:
      - name: web
        image: metallb-ts/metallb-ts:v0.1.0
        args: [lab, --api-only]
`;

function elected(service: string): string {
  const hash = (node: string) => createHash('sha256').update(`${node}#${service}`).digest('hex');
  return [...NODES].sort((a, b) => (hash(a) < hash(b) ? -1 : 1))[0] ?? '';
}

const isReady = (pod: k8s.V1Pod): boolean =>
  pod.metadata?.deletionTimestamp === undefined &&
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('lab --netns --manifests: the shipped manifests run in node namespaces', function () {
  this.timeout(180_000);
  let cluster: NetnsCluster | undefined;
  const c = (): NetnsCluster => {
    if (cluster === undefined) throw new Error('no cluster');
    return cluster;
  };
  const speakers = async (): Promise<k8s.V1Pod[]> =>
    (
      await c().core.listNamespacedPod({
        namespace: NAMESPACE,
        labelSelector: 'app=metallb,component=speaker',
      })
    ).items;

  before(async function () {
    const why = netnsUnavailable(['ip', 'arping']);
    if (why !== undefined) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
    cluster = await NetnsCluster.start({
      nodes: 3,
      ipv6: false,
      fastFailover: true,
      kubelet: true,
    });
    const applied = applyInstall(cluster.lab, 'manifests', NAMESPACE, NETNS_LAN_POOL);
    expect(applied.errors).to.deep.equal([]);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs one Ready speaker per node, on the node address, and the controller', async () => {
    await until(
      async () => (await speakers()).filter(isReady).length === 3,
      30_000,
      'three Ready speakers',
      250,
    );
    const byNode = (await speakers()).map((p) => [p.spec?.nodeName, p.status?.podIP]).sort();
    expect(byNode).to.deep.equal(
      NODES.map((node, i) => [node, c().topology.nodeAddress(i + 1, 4)]),
    );
    const controllers = await c().core.listNamespacedPod({
      namespace: NAMESPACE,
      labelSelector: 'component=controller',
    });
    await until(
      async () =>
        (
          await c().core.listNamespacedPod({
            namespace: NAMESPACE,
            labelSelector: 'component=controller',
          })
        ).items.some(isReady),
      20_000,
      'a Ready controller',
      250,
    );
    expect(controllers.items).to.have.length(1);
  });

  it('announces a Service from the elected node, and keeps it answered while the speakers roll node by node', async () => {
    expect(applyManifests(c().lab.registry, BACKENDS, 'backends').errors).to.deep.equal([]);
    await c().core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
    });
    let ip = '';
    await until(
      async () => {
        ip = (await c().serviceIPs('web'))[0] ?? '';
        return ip !== '';
      },
      20_000,
      'an address for web',
      200,
    );
    await c().topology.addServiceIP(ip);
    const winner = elected('default/web');
    const mac = await c().topology.macOf(
      c().topology.nodeNamespace(Number(winner.slice(1))),
      'eth0',
    );
    await until(
      async () => {
        const replies = await c().topology.arping(ip);
        return replies.length > 0 && replies.every((m) => m === mac);
      },
      30_000,
      `${ip} answered by ${winner} only`,
      250,
    );

    // The next release's manifests: the same objects with a new image tag, applied over these.
    const before = new Set((await speakers()).map((p) => p.metadata?.name));
    const next = readFileSync('manifests/metallb.yaml', 'utf8').replaceAll(
      'image: metallb-ts/metallb-ts:v0.1.0',
      'image: metallb-ts/metallb-ts:v0.1.1',
    );
    const applied = applyManifests(c().lab.registry, next, 'metallb.yaml (next)');
    expect(applied.lines).to.include('daemonset.apps/speaker configured');
    let fewestReady = 3;
    await until(
      async () => {
        const now = await speakers();
        fewestReady = Math.min(fewestReady, now.filter(isReady).length);
        const fresh = now.filter((p) => !before.has(p.metadata?.name) && isReady(p));
        return fresh.length === 3 && now.length === 3;
      },
      90_000,
      'every speaker replaced and Ready',
      100,
    );
    expect(fewestReady).to.be.at.least(2);
    await until(
      async () => {
        const replies = await c().topology.arping(ip);
        return replies.length > 0 && replies.every((m) => m === mac);
      },
      30_000,
      `${ip} answered by ${winner} after the roll`,
      250,
    );
  });
});

describe('metallb-ts lab --netns --manifests manifests/ (the command a user runs)', function () {
  this.timeout(120_000);

  it('prints the controller and a speaker per node Running, as kubectl get pods -o wide shows them', async function () {
    const why = netnsUnavailable(['ip', 'arping']);
    if (why !== undefined) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
    let output = '';
    const io: CliIO = {
      ...processIO(),
      stdout: (t) => (output += t),
      stderr: (t) => (output += t),
    };
    const started = await startLab(['--netns', '--manifests', 'manifests/'], io);
    try {
      expect(started.code, output).to.equal(0);
      for (const [i, node] of NODES.entries())
        expect(output).to.match(
          new RegExp(
            `^speaker-[a-z0-9]{5}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+198\\.51\\.100\\.${i + 1}\\s+${node}$`,
            'm',
          ),
        );
      expect(output).to.match(
        /^controller-\S+\s+1\/1\s+Running\s+0\s+\S+\s+198\.51\.100\.254\s+n\d$/m,
      );
    } finally {
      await started.running?.stop();
    }
  });
});

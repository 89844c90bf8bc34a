/**
 * The upgrade rehearsal, as root: a lab at a given Kubernetes release whose
 * kubelet runs three node namespaces, holding what a MetalLB v0.9.6 cluster
 * holds (test/support/v09-cluster.ts: its manifests' objects, the `config`
 * ConfigMap, the `memberlist` Secret, 300 Services with the addresses its
 * controller gave them). v0.9.6's speaker image cannot run here, so the
 * kubelet runs a HashiCorp memberlist (Go) member in its place, on the
 * node's address and port, named as the node, with the Secret's key: our
 * speakers see v0.9 members, and the DaemonSet's roll stops each one when
 * our Pod replaces it. v0.9's controller has no stand-in: its Pod waits
 * for an image it cannot pull, and the addresses are already in status.
 *
 * Then, as an administrator would: `metallb-ts migrate check`, a client
 * loop to a sample of the addresses, `kubectl apply -f manifests/`, and
 * samples of every ARP reply and Neighbor Advertisement while the
 * DaemonSet rolls (test/support/roll-watch.ts). After: no address moved,
 * no 403 in any daemon's log, every Pod admitted, the prediction agreed;
 * and the v0.9 objects applied again (a rollback) move nothing either.
 * Three nodes: the least where a roll leaves two elections to check.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goPeerOrSkip } from 'memberlist-ts/testing';
import type { JsonObject } from '../../src/lab/json.js';
import { NetnsCluster } from '../../src/netns/cluster/index.js';
import type { HttpProbeResult } from '../../src/netns/http-loop.js';
import { netnsUnavailable } from '../../src/netns/index.js';
import { runCli } from '../support/cli.js';
import { KUBECTL, kubectlRunner, type KubectlRun } from '../support/kubectl.js';
import { ROOT } from '../support/paths.js';
import {
  electedNode,
  nodeSpeakers,
  RollClock,
  RollWatch,
  type NodeSpeaker,
  type Roll,
  type Sample,
  type SampledAddress,
} from '../support/roll-watch.js';
import { until } from '../support/until.js';
import {
  electionOrder,
  serviceObject,
  v09ConfigObjects,
  v09Objects,
  v09Services,
  V09_MEMBERLIST_PORT,
  V09_NAMESPACE,
  V09_SPEAKER_IMAGE,
  type HeldService,
} from '../support/v09-cluster.js';

const NODES = ['n1', 'n2', 'n3'];
const SECRET_KEY = 'rehearsal-memberlist-key';
const BACKEND_LABELS = { app: 'web' };
/** Backends on every node (metallb-ts processes, Running without a probe), as in test/e2e/manifests.test.ts. */
const BACKENDS: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: BACKEND_LABELS },
    template: {
      metadata: { labels: BACKEND_LABELS },
      spec: {
        hostNetwork: true,
        containers: [
          { name: 'web', image: 'metallb-ts/metallb-ts:v0.1.0', args: ['lab', '--api-only'] },
        ],
      },
    },
  },
};
/**
 * Where PodSecurityPolicy admission is on, a Pod is admitted only under a
 * policy its ServiceAccount may `use`
 * (https://kubernetes.io/docs/concepts/security/pod-security-policy/#policy-order):
 * a cluster running v0.9.6 on 1.20 has one for its other workloads, here
 * the backends' (the default ServiceAccount of `default`).
 */
const BACKEND_POLICY: JsonObject[] = [
  {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    metadata: { name: 'backends' },
    spec: {
      hostNetwork: true,
      hostPorts: [{ min: 0, max: 65535 }],
      runAsUser: { rule: 'RunAsAny' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'RunAsAny' },
      fsGroup: { rule: 'RunAsAny' },
      volumes: ['*'],
    },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'backends-psp' },
    rules: [
      {
        apiGroups: ['policy'],
        resources: ['podsecuritypolicies'],
        verbs: ['use'],
        resourceNames: ['backends'],
      },
    ],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'backends-psp', namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'backends-psp' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
  },
];
/** How long the speakers must be unchanged before a sample checks the elected node answers. */
const SETTLE_MS = 4_000;

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 250));

const rehearsals = [
  { version: '1.20', podSecurityPolicies: true },
  { version: '1.32', podSecurityPolicies: false },
];

for (const { version, podSecurityPolicies } of rehearsals) {
  const admission = podSecurityPolicies
    ? "v0.9.6's PodSecurityPolicies"
    : 'Pod Security Admission labels';
  describe(`upgrade rehearsal at Kubernetes ${version} (${admission}): v0.9.6 to metallb-ts and back`, function () {
    this.timeout(240_000);
    let cluster: NetnsCluster | undefined;
    let kubectl: KubectlRun = () => Promise.reject(new Error('no kubectl'));
    let work = '';
    const held = v09Services(NODES);
    const macs: Record<string, string> = {};

    const c = (): NetnsCluster => {
      if (cluster === undefined) throw new Error('no cluster');
      return cluster;
    };

    async function apply(objects: readonly JsonObject[], file: string): Promise<string> {
      const path = join(work, file);
      writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
      const result = await kubectl(['apply', '-f', path]);
      expect(result.code, result.stderr).to.equal(0);
      return result.stdout;
    }

    /** Every Service's address, by name. */
    async function addresses(): Promise<Record<string, string>> {
      const list = await c().core.listNamespacedService({ namespace: 'default' });
      return Object.fromEntries(
        list.items
          .filter((s) => s.spec?.type === 'LoadBalancer')
          .map((s) => [s.metadata?.name ?? '', s.status?.loadBalancer?.ingress?.[0]?.ip ?? '']),
      );
    }

    /** The text of every container log the kubelet keeps now (`pods/` in the lab's folder), by path. */
    const logs = new Map<string, string>();
    function keepLogs(): void {
      const pods = join(c().lab.workDir, 'pods');
      for (const pod of readdirSync(pods)) {
        for (const file of readdirSync(join(pods, pod)).filter((f) => f.endsWith('.log')))
          try {
            logs.set(join(pod, file), readFileSync(join(pods, pod, file), 'utf8'));
          } catch {
            // The Pod ended between the listing and the read.
          }
      }
    }

    async function speakersAre(want: NodeSpeaker, timeoutMs: number, during: () => Promise<void>) {
      await until(
        async () => {
          await during();
          const now = await nodeSpeakers(c(), V09_NAMESPACE, NODES);
          return NODES.every((node) => now[node] === want);
        },
        timeoutMs,
        `every node running a ${want} speaker`,
        0,
      );
    }

    before(async function () {
      const why = netnsUnavailable(['ip', 'arping', 'ndisc6', 'curl']);
      if (why !== undefined || KUBECTL === null) {
        console.log(`    (skipped: ${why ?? 'kubectl is not installed'})`);
        this.skip();
      }
      const peer = await goPeerOrSkip(this);
      cluster = await NetnsCluster.start({
        nodes: NODES.length,
        ipv6: true,
        fastFailover: false,
        kubelet: true,
        kubernetesVersion: version,
      });
      work = mkdtempSync(join(tmpdir(), 'rehearsal-'));
      kubectl = kubectlRunner(c().lab.kubeconfigPath, work, ROOT);
      for (const [i, node] of NODES.entries())
        macs[node] = await c().topology.macOf(c().topology.nodeNamespace(i + 1), 'eth0');
      // v0.9's speaker finds its peers by listing the speaker Pods; the stand-in is given them.
      const peers = NODES.map(
        (_, i) => `${c().topology.nodeAddress(i + 1, 4)}:${V09_MEMBERLIST_PORT}`,
      );
      c().lab.kubelet.standIns.set(V09_SPEAKER_IMAGE, [
        ...[
          peer,
          '-stdin=false',
          '-name',
          '$(METALLB_NODE_NAME)',
          '-bind',
          '$(METALLB_ML_BIND_ADDR)',
        ],
        ...['-port', String(V09_MEMBERLIST_PORT), '-secret', '$(METALLB_ML_SECRET_KEY)'],
        ...['-join', peers.join(',')],
      ]);
      await apply(v09Objects(podSecurityPolicies), 'v0.9.6.json');
      await apply(
        [...v09ConfigObjects(SECRET_KEY), ...(podSecurityPolicies ? BACKEND_POLICY : []), BACKENDS],
        'cluster.json',
      );
      // Then the v0.9 controller's writes: each address in status, with the administrator's client.
      for (let i = 0; i < held.length; i += 30)
        await Promise.all(
          held.slice(i, i + 30).map(async (service) => {
            const body = serviceObject(service, BACKEND_LABELS) as k8s.V1Service;
            await c().core.createNamespacedService({ namespace: 'default', body });
            await c().core.patchNamespacedServiceStatus(
              {
                name: service.name,
                namespace: 'default',
                body: { status: { loadBalancer: { ingress: [{ ip: service.ip }] } } },
              },
              k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
            );
          }),
        );
      await speakersAre('v0.9', 60_000, pause);
    });

    after(async () => {
      await cluster?.stop();
    });

    let beforeUpgrade: Record<string, string> = {};
    let predicted: Record<string, string> = {};
    const rolls: Roll[] = [];
    const results: HttpProbeResult[] = [];
    let watch: RollWatch | undefined;
    const sampled = sampleAddresses(held);

    it('holds what v0.9 left, and migrate check predicts every address kept', async () => {
      beforeUpgrade = await addresses();
      expect(Object.keys(beforeUpgrade)).to.have.length(300);
      expect(beforeUpgrade).to.deep.equal(Object.fromEntries(held.map((s) => [s.name, s.ip])));
      const config = await kubectl([
        'get',
        'configmap',
        '-n',
        V09_NAMESPACE,
        'config',
        '-o',
        'yaml',
      ]);
      const services = await kubectl(['get', 'services', '-A', '-o', 'yaml']);
      writeFileSync(join(work, 'config.yaml'), config.stdout);
      writeFileSync(join(work, 'services.yaml'), services.stdout);
      const check = await runCli([
        ...['migrate', 'check', '--json'],
        ...['--config', join(work, 'config.yaml'), '--services', join(work, 'services.yaml')],
      ]);
      expect(check.code, check.stdout).to.equal(0);
      const result = JSON.parse(check.stdout) as {
        services: { kept: { service: string; ip: string }[]; moved: unknown[]; lost: unknown[] };
      };
      expect(result.services.moved).to.deep.equal([]);
      expect(result.services.lost).to.deep.equal([]);
      predicted = Object.fromEntries(
        result.services.kept.map(({ service, ip }) => [service.replace(/^default\//, ''), ip]),
      );
      expect(predicted).to.deep.equal(beforeUpgrade);
    });

    it('kubectl apply -f manifests/: the speakers roll node by node, never two MACs, the elected metallb-ts node answers', async () => {
      for (const { ip } of sampled) await c().topology.addServiceIP(ip);
      watch = new RollWatch(c(), V09_NAMESPACE, NODES, macs, sampled, SETTLE_MS);
      const loop = c().topology.httpLoop({
        ip: sampled.map((s) => s.ip),
        port: 8080,
        intervalMs: 50,
        durationMs: 150_000,
        maxRequests: 3_000,
        timeoutMs: 500,
      });
      loop.on('result', (r) => results.push(r));
      const applied = await kubectl(['apply', '-f', 'manifests/']);
      expect(applied.code, applied.stderr).to.equal(0);
      // Each node's roll, timed from a poll of its own (the samples take seconds):
      // from its v0.9 Pod's deletion to our Pod Ready on it.
      const clock = new RollClock(c(), V09_NAMESPACE, NODES);
      const polling = clock.poll();
      try {
        await speakersAre('metallb-ts', 150_000, async () => {
          await (watch as RollWatch).sample();
          keepLogs();
        });
        await until(() => clock.done, 30_000, 'our speaker Ready on every node', 100);
      } finally {
        clock.stop();
        await polling;
      }
      rolls.push(...clock.rolls);
      // More samples with every node on metallb-ts until two of them are settled, then the loop ends.
      let settled = 0;
      await until(
        async () => {
          if ((await (watch as RollWatch).sample()).settled) settled++;
          return settled >= 2;
        },
        30_000,
        'two settled samples after the roll',
        0,
      );
      loop.stop();
      keepLogs();
      // REHEARSAL_DUMP=FILE keeps the samples, rolls, requests and daemon logs for a closer look.
      if (process.env['REHEARSAL_DUMP'] !== undefined)
        writeFileSync(
          process.env['REHEARSAL_DUMP'],
          JSON.stringify({
            rolls,
            samples: watch.samples,
            results,
            logs: Object.fromEntries(logs),
          }),
        );
      const problems = watch.samples.flatMap((s) =>
        s.problems.map((p) => `${new Date(s.t).toISOString()} ${p}`),
      );
      expect(problems).to.deep.equal([]);
      expect(rolls.map((r) => r.node).sort()).to.deep.equal(NODES);
      expect(watch.samples.filter((s) => s.settled).length).to.be.greaterThan(0);
    });

    it('after: 0 addresses moved, no 403, every Pod admitted, as migrate check predicted; the figures', async () => {
      await until(
        async () =>
          (
            await c().core.listNamespacedPod({
              namespace: V09_NAMESPACE,
              labelSelector: 'component=controller',
            })
          ).items.some(
            (p) =>
              (p.spec?.containers[0]?.image ?? '').includes('metallb-ts') &&
              p.status?.phase === 'Running',
          ),
        30_000,
        'our controller Running',
      );
      // Long enough for the controller to have restored and checked all 300.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      keepLogs();
      const after = await addresses();
      const moved = Object.keys(beforeUpgrade).filter(
        (name) => after[name] !== beforeUpgrade[name],
      );
      expect(moved).to.deep.equal([]);
      expect(after).to.deep.equal(predicted);
      const forbidden = [...logs]
        .filter(([, text]) => /\b403\b|forbidden/i.test(text))
        .map(([path]) => path);
      expect(forbidden).to.deep.equal([]);
      const events = await c().core.listNamespacedEvent({ namespace: V09_NAMESPACE });
      const refused = events.items.filter((e) => e.reason === 'FailedCreate').map((e) => e.message);
      expect(refused).to.deep.equal([]);
      printFigures(version, moved.length, rolls, results, watch?.samples ?? [], sampled);
    });

    it('rollback: the v0.9.6 objects applied again leave every address where it was', async () => {
      await apply(v09Objects(podSecurityPolicies), 'v0.9.6.json');
      await speakersAre('v0.9', 150_000, pause);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await addresses()).to.deep.equal(beforeUpgrade);
    });
  });
}

/**
 * Which addresses the samples and the client loop go to: for each family
 * and each node, the first two unshared Services that node wins on all
 * three, and one shared address per family.
 */
function sampleAddresses(held: readonly HeldService[]): SampledAddress[] {
  const out: SampledAddress[] = [];
  for (const family of [4, 6] as const) {
    const ofFamily = held.filter((s) => s.family === family);
    const shared = ofFamily.find((s) => s.sharingKey !== undefined);
    if (shared !== undefined) out.push({ ip: shared.ip, key: `default/${shared.name}` });
    for (const node of NODES)
      out.push(
        ...ofFamily
          .filter(
            (s) =>
              s.sharingKey === undefined && electionOrder(`default/${s.name}`, NODES)[0] === node,
          )
          .slice(0, 2)
          .map((s) => ({ ip: s.ip, key: `default/${s.name}` })),
      );
  }
  return out;
}

/**
 * The figures: addresses moved, and per node roll its seconds (old speaker
 * gone to ours Ready) and the client's requests lost in it, counting only
 * requests metallb-ts owed an answer (the address's elected node ran a
 * Ready metallb-ts speaker at that time; v0.9's stand-ins answer no ARP).
 */
function printFigures(
  version: string,
  moved: number,
  rolls: readonly Roll[],
  results: readonly HttpProbeResult[],
  samples: readonly Sample[],
  sampled: readonly SampledAddress[],
): void {
  const keyOf = new Map(sampled.map(({ ip, key }) => [ip, key]));
  const speakersAt = (t: number) => [...samples].reverse().find((s) => s.t <= t)?.speakers;
  const owed = (r: HttpProbeResult): boolean => {
    const speakers = speakersAt(r.t);
    const key = keyOf.get(r.host);
    if (speakers === undefined || key === undefined) return false;
    const node = electedNode(key, speakers);
    return node !== null && speakers[node] === 'metallb-ts';
  };
  const lines = [`      rehearsal at ${version}: addresses moved ${moved}`];
  for (const roll of rolls) {
    const during = results.filter((r) => r.t >= roll.from && r.t <= roll.to);
    const lost = during.filter((r) => !r.ok);
    const owedLost = lost.filter(owed).length;
    lines.push(
      `      roll of ${roll.node}: ${((roll.to - roll.from) / 1000).toFixed(1)} s, ${lost.length} of ${during.length} requests lost, ${owedLost} of them owed by metallb-ts`,
    );
  }
  const owedFailed = results.filter((r) => !r.ok && owed(r)).length;
  lines.push(
    `      requests lost that metallb-ts owed: ${owedFailed} of ${results.filter(owed).length}`,
  );
  const pairs = samples.flatMap((sample) => sample.ndpPairs);
  lines.push(
    `      samples: ${samples.length}; IPv6 addresses two MACs advertised within one sample's second: ${pairs.length}${pairs.length === 0 ? '' : ` (${pairs.join('; ')})`}`,
  );
  console.log(lines.join('\n'));
}

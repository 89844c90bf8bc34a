/**
 * The speaker daemon against the lab API: three speakers (node-a, node-b,
 * node-c) in one process, each with sinks that record what it announces.
 * The expected winner is computed here from the rule in docs/COMPAT.md section 3
 * (sha256 of "node#namespace/name", smallest first), independently of the
 * election code.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createLabPod, setLabPodStatus } from '../../src/netns/cluster/index.js';
import type { Lab } from '../../src/lab/index.js';
import { newRegistry } from '../../src/metrics/index.js';
import { LAST_ACCEPTED_CONFIG_MAP, type Config } from '../../src/config/index.js';
import { LAN_TIMINGS, Memberlist } from 'memberlist-ts';
import {
  SpeakerMembership,
  type Announcement,
  type BgpSink,
  type SpeakerDaemon,
} from '../../src/speaker/index.js';
import { labApi } from '../support/lab-api.js';
import { labWithConfig, METALLB_NAMESPACE as NS, speakerFor } from '../support/metallb-lab.js';
import { portFreeOn } from '../support/ports.js';
import { until } from '../support/until.js';

const CONFIG = `address-pools:
- name: l2
  protocol: layer2
  addresses: [203.0.113.0/28, 2001:db8:203::/124]
- name: routed
  protocol: bgp
  addresses: [198.51.100.0/28]
`;
const NODES = ['node-a', 'node-b', 'node-c'];

function expectedWinner(service: string, nodes: readonly string[]): string {
  const hash = (node: string) => createHash('sha256').update(`${node}#${service}`).digest('hex');
  return [...nodes].sort((a, b) => (hash(a) < hash(b) ? -1 : 1))[0] ?? '';
}

class RecordingSink implements BgpSink {
  readonly ips = new Set<string>();
  readonly calls: string[] = [];
  config: Config | null = null;
  labels: Readonly<Record<string, string>> = {};
  setConfig(config: Config): void {
    this.config = config;
  }
  setNodeLabels(labels: Readonly<Record<string, string>>): void {
    this.labels = labels;
  }

  announce({ ip }: Announcement): void {
    this.ips.add(ip);
    this.calls.push(`+${ip}`);
  }
  withdraw({ ip }: Announcement): void {
    this.ips.delete(ip);
    this.calls.push(`-${ip}`);
  }
  /** Syncs of an address already announced, by IP (layer 2 re-sends its burst on each). */
  readonly resyncs = new Map<string, number>();
  resync({ ip }: Announcement): void {
    this.resyncs.set(ip, (this.resyncs.get(ip) ?? 0) + 1);
  }
}

interface TestSpeaker {
  readonly daemon: SpeakerDaemon;
  readonly layer2: RecordingSink;
  readonly bgp: RecordingSink;
  readonly logs: Record<string, string | number | boolean>[];
  readonly registry: ReturnType<typeof newRegistry>;
}

describe('speaker daemon, against the lab', function () {
  this.timeout(60_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let speakers: Map<string, TestSpeaker>;

  async function startSpeaker(
    node: string,
    membership: SpeakerMembership | null = null,
  ): Promise<TestSpeaker> {
    const registry = newRegistry();
    const speaker: TestSpeaker = {
      layer2: new RecordingSink(),
      bgp: new RecordingSink(),
      logs: [],
      registry,
      daemon: undefined as unknown as SpeakerDaemon,
    };
    const daemon = speakerFor(
      lab,
      node,
      (fields) => speaker.logs.push(fields),
      speaker,
      registry,
      membership,
    );
    Object.assign(speaker, { daemon });
    await daemon.start();
    return speaker;
  }

  /** A Running, Ready (or not) backend pod on `node`. */
  const backend = (name: string, app: string, node: string, ip: string, ready = true) =>
    createLabPod(core, { namespace: 'default', name, labels: { app }, node, ip, ready });
  const setReady = (name: string, ip: string, ready: boolean) =>
    setLabPodStatus(core, 'default', name, ip, ready);

  /** A LoadBalancer Service with its address already in status, as the controller writes it. */
  async function service(name: string, app: string, ip: string, policy = 'Cluster') {
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name },
        spec: {
          type: 'LoadBalancer',
          selector: { app },
          externalTrafficPolicy: policy,
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      },
    });
    await setIngress(name, [ip]);
  }

  async function setIngress(name: string, ips: string[]): Promise<void> {
    const current = await core.readNamespacedService({ name, namespace: 'default' });
    await core.replaceNamespacedServiceStatus({
      name,
      namespace: 'default',
      body: { ...current, status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } },
    });
  }

  const setConfig = (config: string) =>
    core.patchNamespacedConfigMap(
      { name: 'config', namespace: NS, body: { data: { config } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

  function announcersOf(ip: string, protocol: 'layer2' | 'bgp' = 'layer2'): string[] {
    return NODES.filter((node) => speakers.get(node)?.[protocol].ips.has(ip));
  }

  async function settled(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all([...speakers.values()].map((s) => s.daemon.idle()));
  }

  beforeEach(async () => {
    ({ lab, core } = await labWithConfig(CONFIG));
    speakers = new Map();
  });
  afterEach(async () => {
    await Promise.all([...speakers.values()].map((s) => s.daemon.stop()));
    await lab.stop();
  });

  it('elects exactly the node v0.9 would among those with a ready endpoint, and moves when it stops being ready', async () => {
    await backend('web-a', 'web', 'node-a', '10.0.0.1');
    await backend('web-b', 'web', 'node-b', '10.0.0.2');
    await backend('web-c', 'web', 'node-c', '10.0.0.3');
    await service('web', 'web', '203.0.113.5');
    for (const node of NODES) speakers.set(node, await startSpeaker(node));

    const first = expectedWinner('default/web', NODES);
    await until(() => announcersOf('203.0.113.5').length === 1, 10_000);
    expect(announcersOf('203.0.113.5')).to.deep.equal([first]);

    // The winner's only endpoint goes unready: the next node in hash order takes over.
    const pods: Record<string, [string, string]> = {
      'node-a': ['web-a', '10.0.0.1'],
      'node-b': ['web-b', '10.0.0.2'],
      'node-c': ['web-c', '10.0.0.3'],
    };
    const [pod, podIP] = pods[first] ?? ['', ''];
    await setReady(pod, podIP, false);
    const second = expectedWinner(
      'default/web',
      NODES.filter((n) => n !== first),
    );
    await until(() => announcersOf('203.0.113.5').join() === second, 10_000);
    expect(speakers.get(first)?.layer2.calls).to.deep.equal(['+203.0.113.5', '-203.0.113.5']);

    // One nodeAssigned Event per announcing node, from the speaker, not one per sync.
    await until(async () => {
      const events = await core.listNamespacedEvent({ namespace: 'default' });
      return events.items.filter((e) => e.reason === 'nodeAssigned').length === 2;
    }, 10_000);
    await settled();
    const events = (await core.listNamespacedEvent({ namespace: 'default' })).items.filter(
      (e) => e.reason === 'nodeAssigned',
    );
    expect(events.map((e) => e.message).sort()).to.deep.equal(
      [`announcing from node "${first}"`, `announcing from node "${second}"`].sort(),
    );
    for (const event of events) {
      expect(event.source?.component).to.equal('metallb-speaker');
      expect(event.count).to.equal(1);
    }
  });

  it('spreads a Service of a balancer class over the balancer nodes, one address each, and moves only the address of a node that stops being usable', async () => {
    const CLASSES = `- name: edge
  addresses: [203.0.113.32/28]
  node-selectors:
  - match-labels: {balancer: "true"}
  ips-per-service: 3
`;
    const configMap = await core.readNamespacedConfigMap({ name: 'config', namespace: NS });
    await core.replaceNamespacedConfigMap({
      name: 'config',
      namespace: NS,
      body: { ...configMap, data: { config: CONFIG, 'balancer-classes': CLASSES } },
    });
    // Three balancer nodes and one that is not.
    for (const node of NODES)
      await core.createNode({ body: { metadata: { name: node, labels: { balancer: 'true' } } } });
    await core.createNode({ body: { metadata: { name: 'node-w' } } });
    for (const [i, node] of [...NODES, 'node-w'].entries())
      await backend(`edge-${i}`, 'edge', node, `10.0.1.${i + 1}`);
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'edge' },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: 'metallb-ts.io/edge',
          selector: { app: 'edge' },
          externalTrafficPolicy: 'Local',
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      },
    });
    const ips = ['203.0.113.32', '203.0.113.33', '203.0.113.34'];
    await setIngress('edge', ips);
    for (const node of [...NODES, 'node-w']) speakers.set(node, await startSpeaker(node));
    const all = [...NODES, 'node-w'];
    const holders = () => ips.map((ip) => all.filter((n) => speakers.get(n)?.layer2.ips.has(ip)));

    await until(() => holders().every((h) => h.length === 1), 10_000);
    const before = holders().map((h) => h[0] ?? '');
    expect([...before].sort()).to.deep.equal(NODES);
    expect(speakers.get('node-w')?.layer2.ips.size).to.equal(0);

    // One nodeAssigned Event per address, naming its node.
    await until(async () => {
      const events = await core.listNamespacedEvent({ namespace: 'default' });
      return events.items.filter((e) => e.reason === 'nodeAssigned').length === 3;
    }, 10_000);
    const messages = (await core.listNamespacedEvent({ namespace: 'default' })).items
      .filter((e) => e.reason === 'nodeAssigned')
      .map((e) => e.message)
      .sort();
    expect(messages).to.deep.equal(
      ips.map((ip, i) => `announcing ${ip} from node "${before[i] ?? ''}"`).sort(),
    );
    // And the metric on each announcing node.
    const holder0 = before[0] ?? '';
    const metrics = await speakers.get(holder0)?.registry.metrics();
    expect(metrics).to.include(
      `metallb_speaker_announced{protocol="layer2",service="default/edge",node="${holder0}",ip="${ips[0] ?? ''}"} 1`,
    );

    // The backend on the first address's node goes unready (Local): only that address moves.
    const lost = before[0] ?? '';
    const index = NODES.indexOf(lost);
    await setReady(`edge-${index}`, `10.0.1.${index + 1}`, false);
    await until(() => holders()[0]?.[0] !== lost && holders().every((h) => h.length === 1), 10_000);
    const during = holders().map((h) => h[0] ?? '');
    expect(during.slice(1)).to.deep.equal(before.slice(1));
    expect(NODES.filter((n) => n !== lost)).to.include(during[0]);

    // Ready again: the address goes back home.
    await setReady(`edge-${index}`, `10.0.1.${index + 1}`, true);
    await until(
      () =>
        holders()
          .map((h) => h.join())
          .join() === before.join(),
      10_000,
    );
  });

  it('announces IPv6 addresses by the same election, and withdraws on deletion, IP change and type change', async () => {
    await backend('db-b', 'db', 'node-b', '10.0.0.2');
    await backend('db-c', 'db', 'node-c', '10.0.0.3');
    await service('db', 'db', '2001:db8:203::7');
    for (const node of NODES) speakers.set(node, await startSpeaker(node));
    const winner = expectedWinner('default/db', ['node-b', 'node-c']);
    await until(() => announcersOf('2001:db8:203::7').join() === winner, 10_000);

    await setIngress('db', ['2001:db8:203::8']);
    await until(() => announcersOf('2001:db8:203::8').join() === winner, 10_000);
    expect(announcersOf('2001:db8:203::7')).to.deep.equal([]);
    const withdrawn = speakers
      .get(winner)
      ?.logs.find((l) => l['event'] === 'serviceWithdrawn' && l['ip'] === '2001:db8:203::7');
    expect(withdrawn?.['reason']).to.equal('loadBalancerIPChanged');

    const current = await core.readNamespacedService({ name: 'db', namespace: 'default' });
    await core.replaceNamespacedService({
      name: 'db',
      namespace: 'default',
      body: { ...current, spec: { ...current.spec, type: 'ClusterIP' } },
    });
    await until(() => announcersOf('2001:db8:203::8').length === 0, 10_000);

    await core.deleteNamespacedService({ name: 'db', namespace: 'default' });
    await settled();
    for (const node of NODES) expect(speakers.get(node)?.layer2.ips.size).to.equal(0);
  });

  it('announces nothing for a Service without ready endpoints, or with two addresses, or outside every pool', async () => {
    await backend('idle-a', 'idle', 'node-a', '10.0.0.1', false);
    await service('idle', 'idle', '203.0.113.2');
    await backend('two-a', 'two', 'node-a', '10.0.0.4');
    await service('two', 'two', '203.0.113.3');
    await setIngress('two', ['203.0.113.3', '203.0.113.4']);
    await backend('out-a', 'out', 'node-a', '10.0.0.5');
    await service('out', 'out', '192.0.2.9');
    for (const node of NODES) speakers.set(node, await startSpeaker(node));
    await settled();
    for (const node of NODES) {
      expect(speakers.get(node)?.layer2.calls, node).to.deep.equal([]);
      expect(speakers.get(node)?.daemon.ready).to.equal(true);
    }
    // Readiness arriving later is enough.
    await setReady('idle-a', '10.0.0.1', true);
    await until(() => announcersOf('203.0.113.2').join() === 'node-a', 10_000);
  });

  it('BGP pools follow externalTrafficPolicy: Cluster on every node while any endpoint is ready, Local only where one is', async () => {
    await backend('r-a', 'r', 'node-a', '10.0.0.1');
    await service('cluster', 'r', '198.51.100.2');
    await service('local', 'r', '198.51.100.3', 'Local');
    for (const node of NODES) speakers.set(node, await startSpeaker(node));
    await until(() => announcersOf('198.51.100.2', 'bgp').length === 3, 10_000);
    await until(() => announcersOf('198.51.100.3', 'bgp').join() === 'node-a', 10_000);
    for (const node of NODES) expect(speakers.get(node)?.layer2.calls).to.deep.equal([]);

    // v0.9.6 speaker/main.go SetBalancer records nodeAssigned for BGP Services too, with the
    // same message; here once per node that announces (not once per sync).
    const assigned = async (service: string) => {
      const events = await core.listNamespacedEvent({ namespace: 'default' });
      return events.items.filter(
        (e) => e.reason === 'nodeAssigned' && e.involvedObject.name === service,
      );
    };
    await until(async () => (await assigned('cluster')).length === 3, 10_000);
    await until(async () => (await assigned('local')).length === 1, 10_000);
    await settled();
    const cluster = await assigned('cluster');
    expect(cluster.map((e) => e.message).sort()).to.deep.equal(
      NODES.map((node) => `announcing from node "${node}"`),
    );
    expect((await assigned('local')).map((e) => e.message)).to.deep.equal([
      'announcing from node "node-a"',
    ]);
    for (const event of [...cluster, ...(await assigned('local'))]) {
      expect(event.type).to.equal('Normal');
      expect(event.count).to.equal(1);
    }
  });

  it('tells layer 2 again about an announced address at every sync of its Service (v0.9.6 re-sent its burst on each SetBalancer)', async () => {
    await backend('web-a', 'web', 'node-a', '10.0.0.1');
    await service('web', 'web', '203.0.113.5');
    for (const node of NODES) speakers.set(node, await startSpeaker(node));
    await until(() => announcersOf('203.0.113.5').join() === 'node-a', 10_000);
    await settled();
    const layer2 = speakers.get('node-a')?.layer2;
    const resyncs = () => layer2?.resyncs.get('203.0.113.5') ?? 0;
    const before = resyncs();

    // An Endpoints change that moves nothing: a pod on node-b that is not ready.
    await backend('web-b', 'web', 'node-b', '10.0.0.2', false);
    await until(() => resyncs() > before, 10_000);
    const afterEndpoints = resyncs();

    // A config change that moves nothing (v0.9: SetConfig answers ReprocessAll).
    await setConfig(`${CONFIG}- name: more
  protocol: layer2
  addresses: [192.0.2.0/28]
`);
    await until(() => resyncs() > afterEndpoints, 10_000);

    // Announced once; the speakers that do not announce it are told nothing.
    expect(layer2?.calls).to.deep.equal(['+203.0.113.5']);
    for (const node of ['node-b', 'node-c']) {
      expect(speakers.get(node)?.layer2.calls).to.deep.equal([]);
      expect(speakers.get(node)?.layer2.resyncs.size).to.equal(0);
    }
    for (const node of NODES) expect(speakers.get(node)?.bgp.resyncs.size).to.equal(0);
  });

  it('refuses a config that would strand an announced address, keeps announcing, then takes a good one', async () => {
    await backend('web-a', 'web', 'node-a', '10.0.0.1');
    await service('web', 'web', '203.0.113.5');
    speakers.set('node-a', await startSpeaker('node-a'));
    await until(() => announcersOf('203.0.113.5').join() === 'node-a', 10_000);

    const a = speakers.get('node-a') as TestSpeaker;
    const stale = async () =>
      (await a.registry.getSingleMetric('metallb_k8s_client_config_stale_bool')?.get())?.values[0]
        ?.value;

    await setConfig(
      'address-pools:\n- name: other\n  protocol: layer2\n  addresses: [192.0.2.0/24]\n',
    );
    await until(async () => (await stale()) === 1, 10_000);
    const refused = a.logs.find((l) => l['event'] === 'configRejected');
    expect(String(refused?.['error'])).to.contain('default/web (203.0.113.5)');
    expect(a.layer2.ips.has('203.0.113.5')).to.equal(true);

    await setConfig('address-pools:\n- name: l2: [\n');
    await until(() => a.logs.filter((l) => l['event'] === 'configRejected').length === 2, 10_000);
    expect(a.layer2.ips.has('203.0.113.5')).to.equal(true);

    await setConfig(
      'address-pools:\n- name: wider\n  protocol: layer2\n  addresses: [203.0.113.0/24]\n',
    );
    await until(async () => (await stale()) === 0, 10_000);
    const metric = await a.registry.getSingleMetric('metallb_speaker_announced')?.get();
    expect(metric?.values).to.deep.equal([
      {
        value: 1,
        labels: { protocol: 'layer2', service: 'default/web', node: 'node-a', ip: '203.0.113.5' },
      },
    ]);
  });

  it('keeps announcing all 40 addresses across a restart when the config is one the controller refused', async () => {
    const poolOf = (cidr: string) =>
      `address-pools:\n- name: l2\n  protocol: layer2\n  addresses: [${cidr}]\n`;
    const accepted = poolOf('203.0.113.0/26');
    // 16 addresses: the Services holding .16 to .39 would lie outside every pool.
    const refused = poolOf('203.0.113.0/28');
    const held = Array.from({ length: 40 }, (_, i) => `203.0.113.${i}`);
    await setConfig(accepted);
    // What the controller keeps of the last config it accepted (src/controller/daemon.ts).
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: LAST_ACCEPTED_CONFIG_MAP }, data: { config: accepted } },
    });
    await backend('web-a', 'web', 'node-a', '10.0.0.1');
    await Promise.all(held.map((ip, i) => service(`svc-${i}`, 'web', ip)));
    const before = await startSpeaker('node-a');
    speakers.set('node-a', before);
    await until(() => before.layer2.ips.size === held.length, 10_000, 'all 40 announced');

    await setConfig(refused);
    await until(
      () => before.logs.some((l) => l['event'] === 'configRejected'),
      10_000,
      'refused at run time',
    );
    await before.daemon.stop();
    const after = await startSpeaker('node-a');
    speakers.set('node-a', after);
    await until(() => after.layer2.ips.size === held.length, 10_000, 'all 40 announced again');
    await until(
      () => after.logs.some((l) => l['event'] === 'configRejected'),
      10_000,
      'refused at start',
    );
    await settled();
    expect([...after.layer2.ips].sort()).to.deep.equal([...held].sort());
    expect(after.layer2.calls.filter((call) => call.startsWith('-'))).to.deep.equal([]);
    const loaded = after.logs.filter((l) => l['event'] === 'configLoaded');
    expect(loaded.map((l) => l['source'])).to.deep.equal([LAST_ACCEPTED_CONFIG_MAP]);
  });

  it('reads EndpointSlices when a Service has no Endpoints object', async () => {
    speakers.set('node-b', await startSpeaker('node-b'));
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'sliced' },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    });
    await setIngress('sliced', ['203.0.113.9']);
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(lab.kubeconfigPath);
    const discovery = kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
    await discovery.createNamespacedEndpointSlice({
      namespace: 'default',
      body: {
        metadata: { name: 'sliced-1', labels: { 'kubernetes.io/service-name': 'sliced' } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.0.0.2'], nodeName: 'node-b', conditions: { ready: true } },
          { addresses: ['10.0.0.3'], nodeName: 'node-c', conditions: { ready: false } },
        ],
      },
    });
    await until(() => speakers.get('node-b')?.layer2.ips.has('203.0.113.9') === true, 10_000);
  });

  /** The lab again, answering as another Kubernetes release (the old one is stopped). */
  async function labAt(kubernetesVersion: string): Promise<void> {
    await lab.stop();
    ({ lab, core } = await labWithConfig(CONFIG, { kubernetesVersion }));
  }

  /** A Service without selector, whose one ready endpoint on `node` is an EndpointSlice written at `version`. */
  async function slicedService(name: string, ip: string, node: string, version: string) {
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    });
    await setIngress(name, [ip]);
    // v1beta1 names the node in `topology` (deprecation guide, discovery.k8s.io/v1beta1).
    const where =
      version === 'v1' ? { nodeName: node } : { topology: { 'kubernetes.io/hostname': node } };
    await labApi(lab).request(
      'POST',
      `/apis/discovery.k8s.io/${version}/namespaces/default/endpointslices`,
      {
        body: {
          apiVersion: `discovery.k8s.io/${version}`,
          kind: 'EndpointSlice',
          metadata: { name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.0.0.9'], conditions: { ready: true }, ...where }],
        },
      },
    );
  }

  // Written at: the version a 1.19 cluster's endpointslice controller writes, or v1beta1 on
  // 1.24 read back as v1 (one stored object in two shapes). Read at: the newest served.
  for (const [version, writtenAt, readAt] of [
    ['1.19', 'v1beta1', 'v1beta1'],
    ['1.21', 'v1', 'v1'],
    ['1.24', 'v1beta1', 'v1'],
    ['1.32', 'v1', 'v1'],
  ] as const) {
    it(`on Kubernetes ${version}: lists what the server serves, syncs and announces (EndpointSlices at ${readAt})`, async () => {
      await labAt(version);
      await backend('web-a', 'web', 'node-a', '10.0.0.1');
      await backend('web-b', 'web', 'node-b', '10.0.0.2');
      await backend('web-c', 'web', 'node-c', '10.0.0.3');
      await service('web', 'web', '203.0.113.5');
      await slicedService('sliced', '203.0.113.9', 'node-c', writtenAt);
      for (const node of NODES) speakers.set(node, await startSpeaker(node));

      await until(() => announcersOf('203.0.113.5').length === 1, 10_000, 'web announced');
      expect(announcersOf('203.0.113.5')).to.deep.equal([expectedWinner('default/web', NODES)]);
      // The only node with a ready endpoint, named by the slice alone.
      await until(() => announcersOf('203.0.113.9').length === 1, 10_000, 'sliced announced');
      expect(announcersOf('203.0.113.9')).to.deep.equal(['node-c']);
      const watched = speakers.get('node-a')?.logs.find((l) => l['event'] === 'endpointSlices');
      expect(watched?.['version']).to.equal(readAt);
    });
  }

  it('joins memberlist only once every watched kind is listed (v0.9 joins on its first Node event)', async () => {
    const hosts = ['127.0.0.31', '127.0.0.32'] as const;
    const port = await portFreeOn(hosts);
    // Stands in for a speaker already in the cluster; it would accept a join at any time.
    const peer = await Memberlist.create({
      name: 'node-peer',
      bindAddr: hosts[0],
      bindPort: port,
      timings: LAN_TIMINGS,
    });
    try {
      await backend('web-a', 'web', 'node-a', '10.0.0.1');
      await service('web', 'web', '203.0.113.5');
      const membership = await SpeakerMembership.start(
        {
          nodeName: 'node-a',
          bindAddr: hosts[1],
          bindPort: port,
          labels: 'app=metallb',
          namespace: NS,
          secret: '',
        },
        { listPeers: () => Promise.resolve([hosts[0]]), log: () => undefined, deferJoin: true },
      );
      // Nothing can be listed: the API server answers every request with a 500.
      lab.inject({ action: 'fail', count: 10_000, code: 500 });
      speakers.set('node-a', await startSpeaker('node-a', membership));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(peer.liveMembers().map((m) => m.name)).to.deep.equal(['node-peer']);
      expect(membership.live()).to.deep.equal(['node-a']);

      lab.inject({ action: 'clear' });
      await until(
        () => peer.liveMembers().length === 2 && membership.live().length === 2,
        10_000,
        'the speaker to join once listed',
      );
      expect(membership.live().sort()).to.deep.equal(['node-a', 'node-peer']);
      // Elected among the members it knows once joined: node-a holds the only endpoint.
      await until(() => announcersOf('203.0.113.5').join() === 'node-a', 10_000, 'announced');
    } finally {
      await peer.shutdown();
    }
  });
});

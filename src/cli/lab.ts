/**
 * `metallb-ts lab`: try metallb-ts without a cluster. An embedded
 * Kubernetes API on 127.0.0.1, MetalLB's `config` ConfigMap with a layer2
 * pool, the controller, three speakers (one per lab node, deciding who
 * announces but sending no packets) and a few sample Services that get
 * their addresses; kubectl against the printed kubeconfig sees it all.
 * `--api-only` starts the API alone; `--netns` (root) announces for real in
 * network namespaces of its own. Serves until interrupted.
 */
import * as k8s from '@kubernetes/client-node';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { reuseConnections } from '../k8s/index.js';
import {
  CURRENT_MINOR,
  Lab,
  OLDEST_MINOR,
  parseKubernetesVersion,
  spawnHere,
  type KubeletNode,
} from '../lab/index.js';
import { LAN_TIMINGS } from 'memberlist-ts';
import {
  balancerClassText,
  createLabPod,
  createMetallbConfig,
  NETNS_LAN_POOL,
} from '../netns/cluster/index.js';
import { startController, type RunningController } from './controller.js';
import { jsonLog } from './daemon-run.js';
import { applyInstall } from './lab-manifests.js';
import type { CliIO } from './io.js';
import { startSpeaker, type RunningSpeaker } from './speaker.js';

const OLDEST_MINOR_TEXT = `1.${OLDEST_MINOR}`;
const CURRENT_MINOR_TEXT = `1.${CURRENT_MINOR}`;

export const LAB_USAGE = `Usage: metallb-ts lab [--port N] [--kubeconfig-out FILE] [--kubernetes-version 1.MINOR]
                      [--api-only | --netns] [--manifests PATH]

Starts an embedded Kubernetes API server on 127.0.0.1 with MetalLB's config
(a layer2 pool in 192.0.2.0/24), the controller and three sample Services,
and writes a kubeconfig: kubectl works against it as against a cluster.

  --port N               listen on port N (default: a free port)
  --kubeconfig-out FILE  write the kubeconfig there (default: a private temporary file)
  --kubernetes-version V answer as Kubernetes V, ${OLDEST_MINOR_TEXT} to ${CURRENT_MINOR_TEXT} (default ${CURRENT_MINOR_TEXT}):
                         the API groups and versions that release serves
  --api-only             start the API alone: no config, controller or Services
  --netns                (root) announce for real: three node namespaces with a
                         speaker each, a client namespace, on a private bridge
  --manifests PATH       apply PATH (a file or folder, e.g. manifests/) instead of
                         the demo and run it: the lab's DaemonSet and Deployment
                         controllers make Pods, and its kubelet runs them as
                         processes (hostNetwork Pods, the speakers, need --netns)
  -h, --help             show this help
`;

const DEMO_NAMESPACE = 'metallb-system';
/** A layer2 pool in a documentation range: nothing outside the lab is ever addressed. */
const DEMO_CONFIG = `address-pools:
- name: demo
  protocol: layer2
  addresses:
  - 192.0.2.0/24
`;
/**
 * A balancer class (docs/SCALEOUT.md) over the demo's nodes labelled as
 * balancers, in another documentation range.
 */
const DEMO_CLASSES = balancerClassText('edge', '198.51.100.16/28', 3);
const DEMO_SERVICES: k8s.V1Service[] = [
  {
    metadata: { name: 'web' },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  },
  {
    metadata: { name: 'dns-tcp', annotations: { 'metallb.universe.tf/allow-shared-ip': 'dns' } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'dns' },
      ports: [{ port: 53, protocol: 'TCP' }],
    },
  },
  {
    metadata: { name: 'dns-udp', annotations: { 'metallb.universe.tf/allow-shared-ip': 'dns' } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'dns' },
      ports: [{ port: 53, protocol: 'UDP' }],
    },
  },
  {
    metadata: { name: 'web-edge' },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: 'metallb-ts.io/edge',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  },
];

export interface RunningLab {
  readonly lab: Lab;
  /** The in-process controller; undefined with --api-only, and with --netns, whose controller is a process. */
  readonly controller: RunningController | undefined;
  readonly speakers: readonly RunningSpeaker[];
  stop(): Promise<void>;
}

/** The demo's nodes: one backend pod per app on each, and a dry-run speaker each. */
const DEMO_NODES = ['lab-node-1', 'lab-node-2', 'lab-node-3'];

/** Nodes, and a Ready backend pod per app and node (no kubelet runs them: status is written here). */
async function demoWorkloads(core: k8s.CoreV1Api): Promise<void> {
  for (const [i, node] of DEMO_NODES.entries()) {
    await core.createNode({
      body: { metadata: { name: node, labels: { 'metallb-ts.io/balancer': 'true' } } },
    });
    for (const app of ['web', 'dns'])
      await createLabPod(core, {
        namespace: 'default',
        name: `${app}-${i + 1}`,
        labels: { app },
        node,
        ip: `10.244.${i + 1}.${app === 'web' ? 10 : 20}`,
      });
  }
}

/** One speaker per demo node, in this process, deciding but sending nothing (--dry-run). */
async function demoSpeakers(lab: Lab): Promise<RunningSpeaker[]> {
  const speakers: RunningSpeaker[] = [];
  for (const node of DEMO_NODES) {
    const logFile = createWriteStream(join(lab.workDir, `speaker-${node}.log`), { flags: 'a' });
    speakers.push(
      await startSpeaker(
        {
          nodeName: node,
          configName: 'config',
          port: 0,
          host: '127.0.0.1',
          kubeconfig: lab.kubeconfigPath,
          namespace: DEMO_NAMESPACE,
          dryRun: true,
          timings: LAN_TIMINGS,
          memberlist: {},
          // Memberlist off: liveness from Kubernetes alone, no gossip on any interface.
          env: {},
        },
        jsonLog((line) => logFile.write(line)),
      ),
    );
  }
  return speakers;
}

/** Fills the lab with the demo: config, controller, speakers, Services; resolves when they have addresses. */
async function startDemo(
  lab: Lab,
  io: CliIO,
): Promise<{ controller: RunningController; speakers: RunningSpeaker[] }> {
  const kc = reuseConnections(new k8s.KubeConfig());
  kc.loadFromFile(lab.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await createMetallbConfig(core, DEMO_NAMESPACE, {
    config: DEMO_CONFIG,
    'balancer-classes': DEMO_CLASSES,
  });
  const logPath = join(lab.workDir, 'controller.log');
  const logFile = createWriteStream(logPath, { flags: 'a' });
  const controller = await startController(
    {
      configName: 'config',
      port: 0,
      host: '127.0.0.1',
      kubeconfig: lab.kubeconfigPath,
      namespace: DEMO_NAMESPACE,
    },
    jsonLog((line) => logFile.write(line)),
  );
  await demoWorkloads(core);
  const speakers = await demoSpeakers(lab);
  for (const service of DEMO_SERVICES)
    await core.createNamespacedService({ namespace: 'default', body: service });
  const deadline = Date.now() + 10_000;
  let services: k8s.V1Service[] = [];
  while (Date.now() < deadline) {
    services = (await core.listNamespacedService({ namespace: 'default' })).items;
    const announced = new Set(
      speakers.flatMap((sp) => sp.daemon.announced().map((a) => `${a.service} ${a.ip}`)),
    );
    const addresses = services.flatMap((s) =>
      (s.status?.loadBalancer?.ingress ?? []).map(
        (i) => `default/${s.metadata?.name ?? ''} ${i.ip ?? ''}`,
      ),
    );
    if (
      services.every((s) => (s.status?.loadBalancer?.ingress?.length ?? 0) > 0) &&
      addresses.every((a) => announced.has(a))
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const announcer = (service: string, ip: string): string =>
    DEMO_NODES.filter((_, i) =>
      speakers[i]?.daemon.announced().some((a) => a.service === service && a.ip === ip),
    ).join(',') || '<none>';
  const header = ['SERVICE', 'EXTERNAL-IP', 'PORTS', 'ANNOUNCED BY'];
  // One row per address: a Service of a balancer class has several, each on its own node.
  const rows = services.flatMap((s) => {
    const key = `default/${s.metadata?.name ?? ''}`;
    const ports = (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',');
    const ips = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
    if (ips.length === 0) return [[key, '<pending>', ports, '<none>']];
    return ips.map((ip) => [key, ip, ports, announcer(key, ip)]);
  });
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('   ')
      .trimEnd();
  io.stdout(
    [
      `controller running (metrics: http://127.0.0.1:${controller.port}/metrics, log: ${logPath})`,
      `config: ConfigMap ${DEMO_NAMESPACE}/config, pool "demo" = 192.0.2.0/24 (layer2), balancer class "edge" = 198.51.100.16/28 (3 addresses per Service, docs/SCALEOUT.md)`,
      `speakers on ${DEMO_NODES.join(', ')}: dry run, they decide who announces and send no packets (logs in ${lab.workDir})`,
      '',
      line(header),
      ...rows.map(line),
      '',
    ].join('\n'),
  );
  return { controller, speakers };
}

/** Starts the lab (and the demo); resolves once it is serving. */
export async function startLab(
  args: readonly string[],
  io: CliIO,
): Promise<{ code: number; running?: RunningLab }> {
  let values: {
    port?: string;
    'kubeconfig-out'?: string;
    'kubernetes-version'?: string;
    'api-only': boolean;
    netns: boolean;
    manifests?: string;
    help: boolean;
  };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
        'kubernetes-version': { type: 'string' },
        'api-only': { type: 'boolean', default: false },
        netns: { type: 'boolean', default: false },
        manifests: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(
      `metallb-ts lab: ${error instanceof Error ? error.message : String(error)}\n\n${LAB_USAGE}`,
    );
    return { code: 2 };
  }
  if (values.help) {
    io.stdout(LAB_USAGE);
    return { code: 0 };
  }
  const kubernetesVersion = values['kubernetes-version'];
  if (kubernetesVersion !== undefined) {
    try {
      parseKubernetesVersion(kubernetesVersion);
    } catch (error) {
      io.stderr(`metallb-ts lab: ${error instanceof Error ? error.message : String(error)}\n`);
      return { code: 2 };
    }
  }
  const release = kubernetesVersion === undefined ? {} : { kubernetesVersion };
  if (values.netns) return startNetnsLab(io, release, values.manifests);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`metallb-ts lab: --port must be a port number, not ${JSON.stringify(values.port)}\n`);
    return { code: 2 };
  }
  let lab: Lab;
  try {
    lab = await Lab.start({
      port,
      ...release,
      workloads: values.manifests !== undefined,
      ...(values['kubeconfig-out'] === undefined
        ? {}
        : { kubeconfigPath: values['kubeconfig-out'] }),
    });
  } catch (error) {
    io.stderr(
      `metallb-ts lab: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return { code: 2 };
  }
  io.stdout(
    [
      `lab API serving on ${lab.serverUrl}`,
      `kubeconfig: ${lab.kubeconfigPath}`,
      `  or: export KUBECONFIG=${lab.kubeconfigPath}`,
      '',
    ].join('\n'),
  );
  let controller: RunningController | undefined;
  let speakers: RunningSpeaker[] = [];
  if (values.manifests !== undefined) {
    try {
      await runManifests(lab, values.manifests, [LOOPBACK_NODE], io);
    } catch (error) {
      io.stderr(
        `metallb-ts lab: cannot apply ${values.manifests}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await lab.stop();
      return { code: 1 };
    }
  } else if (!values['api-only']) {
    try {
      ({ controller, speakers } = await startDemo(lab, io));
    } catch (error) {
      io.stderr(
        `metallb-ts lab: the demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await lab.stop();
      return { code: 1 };
    }
  }
  io.stdout(`try: kubectl --kubeconfig ${lab.kubeconfigPath} get svc -A\nstop with Ctrl-C\n`);
  return {
    code: 0,
    running: {
      lab,
      controller,
      speakers,
      stop: async () => {
        await Promise.all(speakers.map((speaker) => speaker.stop()));
        await controller?.stop();
        await lab.stop();
      },
    },
  };
}

/** Without --netns, one node: this machine, its Pods on loopback (hostNetwork ones cannot run). */
const LOOPBACK_NODE: KubeletNode = {
  name: 'lab-node-1',
  runtime: { address: '127.0.0.1', podNetwork: { address: '127.0.0.1', spawn: spawnHere } },
};

/** How long `--manifests` waits for the Pods to settle before it prints them. */
const SETTLE_MS = 30_000;

/**
 * Applies the install at `path`, gives the kubelet its nodes, waits until
 * every Pod in MetalLB's namespace is Ready or waits for a reason other
 * than ContainerCreating (at most SETTLE_MS), and prints them as
 * `kubectl get pods -o wide` would.
 */
async function runManifests(
  lab: Lab,
  path: string,
  nodes: readonly KubeletNode[],
  io: CliIO,
  config = DEMO_CONFIG,
): Promise<void> {
  const applied = applyInstall(lab, path, DEMO_NAMESPACE, config);
  io.stdout(`${applied.lines.join('\n')}\n`);
  if (applied.errors.length > 0) io.stderr(`${applied.errors.join('\n')}\n`);
  for (const node of nodes) lab.kubelet.addNode(node.name, node.runtime, node.labels);
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline && !lab.kubelet.settled(DEMO_NAMESPACE))
    await new Promise((resolve) => setTimeout(resolve, 250));
  io.stdout(
    [
      '',
      `kubectl get pods -n ${DEMO_NAMESPACE} -o wide (logs under ${lab.workDir}/pods):`,
      lab.getText('pods', DEMO_NAMESPACE, true),
      '',
      `config: ConfigMap ${DEMO_NAMESPACE}/config (kubectl get cm -n ${DEMO_NAMESPACE} config -o yaml)`,
      '',
    ].join('\n'),
  );
}

/**
 * `lab --netns` (root): the same cluster, announcing for real inside
 * network namespaces of its own (NetnsCluster), with a client namespace to
 * try it from.
 */
async function startNetnsLab(
  io: CliIO,
  release: { readonly kubernetesVersion?: string },
  manifests: string | undefined,
): Promise<{ code: number; running?: RunningLab }> {
  const { NetnsCluster } = await import('../netns/cluster/index.js');
  if (manifests !== undefined) return startNetnsManifestLab(io, manifests, release);
  let cluster: Awaited<ReturnType<typeof NetnsCluster.start>>;
  let ips: string[];
  try {
    cluster = await NetnsCluster.start({ nodes: 3, ipv6: true, fastFailover: true, ...release });
    ips = [await cluster.createService('web'), await cluster.createService('web6', { family: 6 })];
  } catch (error) {
    io.stderr(
      `metallb-ts lab --netns: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return { code: 1 };
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && ips.some((ip) => cluster.announcers(ip).length === 0))
    await new Promise((resolve) => setTimeout(resolve, 100));
  const { topology } = cluster;
  const client = `ip netns exec ${topology.clientNamespace}`;
  const lines = [
    `lab API serving on ${cluster.lab.serverUrl} (on bridge ${topology.bridge})`,
    `kubeconfig: ${cluster.lab.kubeconfigPath}`,
    `nodes: ${topology.nodeNamespaces.map((ns, i) => `${cluster.nodeName(i + 1)} = namespace ${ns} (${topology.nodeAddress(i + 1, 4)})`).join(', ')}`,
    `speaker logs: ${cluster.lab.workDir}`,
    '',
  ];
  for (const [i, ip] of ips.entries()) {
    const node = cluster.announcers(ip).join(',') || '<none>';
    const k = cluster.nodeNumber(node);
    const pid = Number.isInteger(k) ? cluster.speakerPid(k) : undefined;
    lines.push(
      `default/${i === 0 ? 'web' : 'web6'}  ${ip}  announced by ${node}${pid === undefined ? '' : ` (speaker pid ${pid})`}`,
    );
  }
  const [ip4 = '', ip6 = ''] = ips;
  lines.push(
    '',
    'try, from the client namespace:',
    `  ${client} arping -c 3 -I eth0 ${ip4}`,
    `  ${client} ndisc6 ${ip6} eth0`,
    `  ${client} curl http://${ip4}:${topology.backendPort}/`,
    'then kill the announcing speaker (kill -9 PID) and arping again: another node answers within a second.',
    '',
  );
  io.stdout(lines.join('\n'));
  io.stdout(`stop with Ctrl-C (removes the namespaces)\n`);
  return {
    code: 0,
    running: {
      lab: cluster.lab,
      // The cluster runs its controller as a process of its own, stopped by stop().
      controller: undefined,
      speakers: [],
      stop: () => cluster.stop(),
    },
  };
}

/**
 * `lab --netns --manifests PATH` (root): three node namespaces as the
 * kubelet's nodes, PATH applied and run (speakers in their node's
 * namespace, the controller beside the lab API), and a client namespace.
 */
async function startNetnsManifestLab(
  io: CliIO,
  path: string,
  release: { readonly kubernetesVersion?: string },
): Promise<{ code: number; running?: RunningLab }> {
  const { NetnsCluster } = await import('../netns/cluster/index.js');
  let cluster: Awaited<ReturnType<typeof NetnsCluster.start>>;
  try {
    cluster = await NetnsCluster.start({
      nodes: 3,
      ipv6: true,
      fastFailover: true,
      kubelet: true,
      ...release,
    });
  } catch (error) {
    io.stderr(
      `metallb-ts lab --netns: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return { code: 1 };
  }
  const { topology, lab } = cluster;
  try {
    await runManifests(lab, path, [], io, NETNS_LAN_POOL);
  } catch (error) {
    io.stderr(
      `metallb-ts lab --netns: cannot apply ${path}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await cluster.stop();
    return { code: 1 };
  }
  io.stdout(
    [
      `lab API serving on ${lab.serverUrl} (on bridge ${topology.bridge})`,
      `kubeconfig: ${lab.kubeconfigPath}`,
      `nodes: ${topology.nodeNamespaces.map((ns, i) => `${cluster.nodeName(i + 1)} = namespace ${ns} (${topology.nodeAddress(i + 1, 4)})`).join(', ')}`,
      `try: kubectl --kubeconfig ${lab.kubeconfigPath} get pods -n ${DEMO_NAMESPACE} -o wide`,
      `     then a LoadBalancer Service, and from the client namespace: ip netns exec ${topology.clientNamespace} arping -c 3 -I eth0 <its address>`,
      'stop with Ctrl-C (ends the Pods and removes the namespaces)',
      '',
    ].join('\n'),
  );
  return {
    code: 0,
    running: { lab, controller: undefined, speakers: [], stop: () => cluster.stop() },
  };
}

export async function labCommand(args: readonly string[], io: CliIO): Promise<number> {
  const started = await startLab(args, io);
  const running = started.running;
  if (running === undefined) return started.code;
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.stop();
  io.stdout('lab stopped\n');
  return 0;
}

/**
 * A cluster that announces for real, inside network namespaces (root
 * only): the lab API on the namespaces' bridge, the controller, and one
 * speaker process per node namespace with memberlist on the node's address,
 * answering ARP and NDP on the node's `eth0`. Each node also runs a backend
 * that serves the Service IPs the way kube-proxy would. Used by
 * `metallb-ts lab --netns`, the layer 2 end-to-end test and bench/failover.
 */
import * as k8s from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reuseConnections } from '../k8s/index.js';
import { Lab, NetnsTopology } from '../lab/index.js';
import { jsonLog, startController, type RunningController } from './controller.js';
import { createLabPod, setLabPodStatus } from './lab-pods.js';

export const NETNS_NAMESPACE = 'metallb-system';
export const SPEAKER_LABELS = 'app=metallb,component=speaker';
/** Layer 2 pools on the namespaces' LAN; the client reaches them on-link. */
export const NETNS_CONFIG = `address-pools:
- name: lan
  protocol: layer2
  addresses:
  - 203.0.113.10-203.0.113.99
- name: lan6
  protocol: layer2
  auto-assign: false
  addresses:
  - 2001:db8:203::10-2001:db8:203::99
`;

export interface NetnsClusterOptions {
  readonly nodes: number;
  readonly ipv6: boolean;
  /** Speakers with memberlist's fast timings (all speakers are ours here). */
  readonly fastFailover: boolean;
  /** Memberlist secret shared by the speakers. */
  readonly secret?: string;
  readonly prefix?: string;
  /** The `config` ConfigMap's text (default NETNS_CONFIG, layer 2 pools). */
  readonly config?: string;
  /** Also a router namespace on the LAN, for a BGP router the speakers peer with. */
  readonly router?: boolean;
}

/** One JSON log line of a speaker. */
export type LogLine = Record<string, unknown>;

interface SpeakerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

export class NetnsCluster {
  private readonly speakers = new Map<number, SpeakerProcess>();
  private readonly logFiles: WriteStream[] = [];
  /** Every speaker log line, tagged with its node, for tests. */
  readonly logs: { node: string; line: LogLine }[] = [];
  private stopped = false;

  private constructor(
    readonly topology: NetnsTopology,
    readonly lab: Lab,
    readonly core: k8s.CoreV1Api,
    readonly controller: RunningController,
    private readonly options: NetnsClusterOptions,
  ) {}

  static async start(options: NetnsClusterOptions): Promise<NetnsCluster> {
    const topology = await NetnsTopology.create({
      nodes: options.nodes,
      ipv6: options.ipv6,
      router: options.router ?? false,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
    let lab: Lab | undefined;
    let controller: RunningController | undefined;
    try {
      lab = await Lab.start({ host: topology.apiAddress });
      const kc = reuseConnections(new k8s.KubeConfig());
      kc.loadFromFile(lab.kubeconfigPath);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: NETNS_NAMESPACE } } });
      await core.createNamespacedConfigMap({
        namespace: NETNS_NAMESPACE,
        body: { metadata: { name: 'config' }, data: { config: options.config ?? NETNS_CONFIG } },
      });
      const controllerLog = createWriteStream(join(lab.workDir, 'controller.log'), { flags: 'a' });
      controller = await startController(
        {
          configName: 'config',
          port: 0,
          host: '127.0.0.1',
          kubeconfig: lab.kubeconfigPath,
          namespace: NETNS_NAMESPACE,
        },
        jsonLog((line) => controllerLog.write(line)),
      );
      const cluster = new NetnsCluster(topology, lab, core, controller, options);
      cluster.logFiles.push(controllerLog);
      for (let k = 1; k <= options.nodes; k++) await cluster.registerNode(k);
      for (let k = 1; k <= options.nodes; k++) cluster.startSpeaker(k);
      return cluster;
    } catch (error) {
      await controller?.stop().catch(() => undefined);
      await lab?.stop().catch(() => undefined);
      await topology.destroy().catch(() => undefined);
      throw error;
    }
  }

  nodeName(k: number): string {
    return `n${k}`;
  }

  /** The node number of a node name (`n2` -> 2). */
  nodeNumber(name: string): number {
    return Number(name.slice(1));
  }

  /** The Node object and the speaker Pod (hostNetwork: its IP is the node's) that memberlist discovery lists. */
  private async registerNode(k: number): Promise<void> {
    const name = this.nodeName(k);
    const ip = this.topology.nodeAddress(k, 4);
    await this.core.createNode({
      body: {
        metadata: { name, labels: { 'kubernetes.io/hostname': name } },
        status: { addresses: [{ type: 'InternalIP', address: ip }] },
      },
    });
    await this.runningPod(
      NETNS_NAMESPACE,
      `speaker-${name}`,
      { app: 'metallb', component: 'speaker' },
      name,
      ip,
    );
  }

  /** A Running pod on `node` with `ip`, Ready unless told otherwise. */
  runningPod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    node: string,
    ip: string,
    ready = true,
  ): Promise<void> {
    return createLabPod(this.core, { namespace, name, labels, node, ip, ready, hostNetwork: true });
  }

  setPodReady(namespace: string, name: string, ip: string, ready: boolean): Promise<void> {
    return setLabPodStatus(this.core, namespace, name, ip, ready);
  }

  /** Starts (or restarts) node k's speaker in its namespace. */
  startSpeaker(k: number): void {
    const name = this.nodeName(k);
    const address = this.topology.nodeAddress(k, 4);
    const argv = [
      process.execPath,
      MAIN,
      'speaker',
      '--node-name',
      name,
      '--kubeconfig',
      this.lab.kubeconfigPath,
      '--namespace',
      NETNS_NAMESPACE,
      '--host',
      address,
      '--ml-bindaddr',
      address,
      '--ml-labels',
      SPEAKER_LABELS,
      '--ml-namespace',
      NETNS_NAMESPACE,
      '--ml-secret-key',
      this.options.secret ?? 'metallb-ts-lab',
      ...(this.options.fastFailover ? ['--fast-failover'] : []),
    ];
    const env = { ...process.env };
    delete env['KUBECONFIG'];
    const child = this.topology.spawn(this.topology.nodeNamespace(k), argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    const file = createWriteStream(join(this.lab.workDir, `speaker-${name}.log`), { flags: 'a' });
    this.logFiles.push(file);
    child.stderr?.pipe(file, { end: false });
    if (child.stdout !== null)
      createInterface({ input: child.stdout }).on('line', (line) => {
        file.write(`${line}\n`);
        try {
          this.logs.push({ node: name, line: JSON.parse(line) as LogLine });
        } catch {
          // not JSON: kept in the file only
        }
      });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.speakers.set(k, { child, exited });
  }

  /** Signals node k's speaker and waits for it to exit. */
  async stopSpeaker(k: number, signal: NodeJS.Signals): Promise<void> {
    const speaker = this.speakers.get(k);
    if (speaker === undefined) return;
    // `ip netns exec` execs the command, so the child's pid is the speaker's.
    speaker.child.kill(signal);
    const late = setTimeout(() => speaker.child.kill('SIGKILL'), 10_000);
    await speaker.exited;
    clearTimeout(late);
    this.speakers.delete(k);
  }

  /** The pid of node k's speaker (`ip netns exec` execs it, so the pid is the speaker's). */
  speakerPid(k: number): number | undefined {
    return this.speakers.get(k)?.child.pid;
  }

  speakerRunning(k: number): boolean {
    return this.speakers.has(k);
  }

  /**
   * A LoadBalancer Service with one Ready backend pod per node (all nodes
   * by default); resolves with its IP once the controller assigned one, and
   * puts that IP on every node's kube-lb0 as kube-proxy would.
   */
  async createService(
    name: string,
    options: {
      family?: 4 | 6;
      nodes?: readonly number[];
      /** `externalTrafficPolicy` (default Cluster). */
      policy?: 'Cluster' | 'Local';
      /** The pool annotation (default: `lan6` for IPv6, none for IPv4). */
      pool?: string;
    } = {},
  ): Promise<string> {
    const pool = options.pool ?? (options.family === 6 ? 'lan6' : undefined);
    const nodes = options.nodes ?? Array.from({ length: this.options.nodes }, (_, i) => i + 1);
    for (const k of nodes)
      await this.runningPod(
        'default',
        `${name}-${this.nodeName(k)}`,
        { app: name },
        this.nodeName(k),
        this.topology.nodeAddress(k, 4),
      );
    await this.core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: {
          name,
          ...(pool === undefined
            ? {}
            : { annotations: { 'metallb.universe.tf/address-pool': pool } }),
        },
        spec: {
          type: 'LoadBalancer',
          selector: { app: name },
          // v0.9 gives a Service an address of its clusterIP's family.
          ipFamilies: [options.family === 6 ? 'IPv6' : 'IPv4'],
          ...(options.policy === undefined ? {} : { externalTrafficPolicy: options.policy }),
          ports: [{ port: this.topology.backendPort, protocol: 'TCP' }],
        },
      },
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const service = await this.core.readNamespacedService({ name, namespace: 'default' });
      const ip = service.status?.loadBalancer?.ingress?.[0]?.ip;
      if (ip !== undefined) {
        await this.topology.addServiceIP(ip);
        return ip;
      }
      if (Date.now() > deadline) throw new Error(`Service ${name} got no address in 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Marks the backend pod of Service `name` on node k ready or not. */
  setBackendReady(name: string, k: number, ready: boolean): Promise<void> {
    return this.setPodReady(
      'default',
      `${name}-${this.nodeName(k)}`,
      this.topology.nodeAddress(k, 4),
      ready,
    );
  }

  /** Which nodes' speakers currently say they announce `ip` (from their logs). */
  announcers(ip: string): string[] {
    const state = new Map<string, boolean>();
    for (const { node, line } of this.logs) {
      if (line['ip'] !== ip) continue;
      if (line['event'] === 'serviceAnnounced') state.set(node, true);
      if (line['event'] === 'serviceWithdrawn') state.set(node, false);
    }
    return [...state]
      .filter(([node, on]) => on && this.speakerRunning(this.nodeNumber(node)))
      .map(([node]) => node);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.speakers.keys()].map((k) => this.stopSpeaker(k, 'SIGTERM')));
    await this.controller.stop().catch(() => undefined);
    for (const file of this.logFiles) file.end();
    await this.lab.stop().catch(() => undefined);
    await this.topology.destroy();
  }
}

/**
 * A cluster that announces for real, inside network namespaces (root
 * only): the lab API on the namespaces' bridge, the controller, and one
 * speaker process per node namespace with memberlist on the node's address,
 * answering ARP and NDP on the node's `eth0`. Each node also runs a backend
 * that serves the Service IPs the way kube-proxy would. Used by
 * `metallb-ts lab --netns`, the layer 2, BGP and scale-out end-to-end
 * tests, bench/failover and bench/scaleout.
 *
 * The daemons are the `metallb-ts` program itself, started as processes
 * (the controller in the host namespace, beside the lab API), so this
 * folder depends on no command-line code.
 */
import * as k8s from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reuseConnections } from '../../k8s/index.js';
import { Lab, type JsonObject } from '../../lab/index.js';
import { NetnsTopology } from '../index.js';
import { createLabPod, createMetallbConfig, setLabPodStatus } from './lab-objects.js';

export const NETNS_NAMESPACE = 'metallb-system';
export const SPEAKER_LABELS = 'app=metallb,component=speaker';
/** The IPv4 layer 2 pool on the namespaces' LAN alone. */
export const NETNS_LAN_POOL = `address-pools:
- name: lan
  protocol: layer2
  addresses:
  - 203.0.113.10-203.0.113.99
`;
/** Layer 2 pools on the namespaces' LAN; the client reaches them on-link. */
export const NETNS_CONFIG = `${NETNS_LAN_POOL}- name: lan6
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
  /** The Kubernetes release the lab answers as (LabOptions.kubernetesVersion; default the current one). */
  readonly kubernetesVersion?: string;
  /** The `config` ConfigMap's `balancer-classes` key (docs/SCALEOUT.md); absent by default. */
  readonly balancerClasses?: string;
  /** Labels of node k's Node object besides `kubernetes.io/hostname` (a class's node selector). */
  readonly nodeLabels?: (k: number) => Readonly<Record<string, string>>;
  /**
   * ServiceAccounts and RBAC objects to create (a manifest's). When given,
   * the controller and speakers run with the tokens of the `controller` and
   * `speaker` ServiceAccounts, authorized by these objects, as their pods
   * would; by default they run with the administrator's.
   */
  readonly access?: readonly JsonObject[];
  /**
   * Start no daemon by hand: each node namespace is a node of the lab's
   * kubelet, and the lab's workload controllers run what is applied
   * (`lab --netns --manifests`). hostNetwork Pods run in their node's
   * namespace with its address; other Pods run beside the lab API, on the
   * host's bridge address. No config is written: the caller applies it.
   * The kubelet runs every Pod bound to these nodes, so backends come from
   * workloads of a runnable image (test/e2e/manifests.test.ts), not from
   * createService(), whose hand-made Pods it could not run; and the
   * speakers' logs are files of the kubelet's (`pods/` in the lab's
   * folder), not `logs`, so announcers() knows nothing: ask arping.
   */
  readonly kubelet?: boolean;
}

/** How a Service of a balancer class says so (docs/SCALEOUT.md, "Opting in"). */
export type BalancerClassVia = 'loadBalancerClass' | 'annotation';

export interface NetnsServiceOptions {
  readonly family?: 4 | 6;
  /** Nodes with a Ready backend pod (default all). */
  readonly nodes?: readonly number[];
  /** `externalTrafficPolicy` (default Cluster). */
  readonly policy?: 'Cluster' | 'Local';
  /** The pool annotation (default: `lan6` for IPv6, none for IPv4). */
  readonly pool?: string;
  /** A balancer class the Service belongs to. */
  readonly balancerClass?: string;
  /** How it names the class (default `spec.loadBalancerClass: metallb-ts.io/<class>`). */
  readonly classVia?: BalancerClassVia;
  /** The `metallb-ts.io/ip-count` annotation. */
  readonly ipCount?: number;
}

/** An Event on a Service, as the lab API holds it. */
export interface ServiceEvent {
  readonly reason: string;
  readonly message: string;
  readonly type: string;
  readonly count: number;
}

/** Where a speaker serves /metrics (its default port, on the node's address). */
const SPEAKER_METRICS_PORT = 7472;

/** One JSON log line of a speaker. */
export type LogLine = Record<string, unknown>;

interface DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** The `metallb-ts` program (dist/src/cli/main.js): run, never imported. */
/** The kubeconfig a daemon runs with: its ServiceAccount's when `access` was given. */
function kubeconfigOf(
  lab: Lab,
  options: NetnsClusterOptions,
  account: 'controller' | 'speaker',
): string {
  return options.access === undefined
    ? lab.kubeconfigPath
    : lab.writeServiceAccountKubeconfig(NETNS_NAMESPACE, account);
}

const MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** The environment of a daemon: the lab's kubeconfig is given on its command line, not inherited. */
function daemonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['KUBECONFIG'];
  return env;
}

/** Its stderr and every stdout line go to `file`; each stdout line also to `onLine`. */
function logTo(child: ChildProcess, file: WriteStream, onLine: (line: string) => void): void {
  child.stderr?.pipe(file, { end: false });
  if (child.stdout !== null)
    createInterface({ input: child.stdout }).on('line', (line) => {
      file.write(`${line}\n`);
      onLine(line);
    });
}

function daemonProcess(child: ChildProcess): DaemonProcess {
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { child, exited };
}

/** Signals the daemon and waits for it to exit; SIGKILL after 10 s. */
async function stopDaemon(daemon: DaemonProcess, signal: NodeJS.Signals): Promise<void> {
  // `ip netns exec` execs the command, so a speaker child's pid is the speaker's.
  daemon.child.kill(signal);
  const late = setTimeout(() => daemon.child.kill('SIGKILL'), 10_000);
  await daemon.exited;
  clearTimeout(late);
}

export class NetnsCluster {
  private readonly speakers = new Map<number, DaemonProcess>();
  private readonly logFiles: WriteStream[] = [];
  /** Every speaker log line, tagged with its node, for tests. */
  readonly logs: { node: string; line: LogLine }[] = [];
  private stopped = false;

  private constructor(
    readonly topology: NetnsTopology,
    readonly lab: Lab,
    readonly core: k8s.CoreV1Api,
    private readonly controller: DaemonProcess | undefined,
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
    let controller: DaemonProcess | undefined;
    try {
      lab = await Lab.start({
        host: topology.apiAddress,
        workloads: options.kubelet === true,
        ...(options.kubernetesVersion === undefined
          ? {}
          : { kubernetesVersion: options.kubernetesVersion }),
      });
      const kc = reuseConnections(new k8s.KubeConfig());
      kc.loadFromFile(lab.kubeconfigPath);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      if (options.kubelet === true) {
        const cluster = new NetnsCluster(topology, lab, core, undefined, options);
        for (let k = 1; k <= options.nodes; k++)
          cluster.addKubeletNode(k, options.nodeLabels?.(k) ?? {});
        return cluster;
      }
      await createMetallbConfig(core, NETNS_NAMESPACE, {
        config: options.config ?? NETNS_CONFIG,
        ...(options.balancerClasses === undefined
          ? {}
          : { 'balancer-classes': options.balancerClasses }),
      });
      if (options.access !== undefined) lab.create(options.access);
      const controllerLog = createWriteStream(join(lab.workDir, 'controller.log'), { flags: 'a' });
      // Its /metrics on a port of the kernel's choice, so it never takes a real controller's.
      const argv = [process.execPath, MAIN, 'controller', '--config', 'config', '--port', '0'];
      const kubeconfig = kubeconfigOf(lab, options, 'controller');
      const access = ['--kubeconfig', kubeconfig, '--namespace', NETNS_NAMESPACE];
      const child = topology.spawnOnHost([...argv, ...access], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: daemonEnv(),
      });
      controller = daemonProcess(child);
      logTo(child, controllerLog, () => undefined);
      const cluster = new NetnsCluster(topology, lab, core, controller, options);
      cluster.logFiles.push(controllerLog);
      for (let k = 1; k <= options.nodes; k++)
        await cluster.registerNode(k, options.nodeLabels?.(k) ?? {});
      for (let k = 1; k <= options.nodes; k++) cluster.startSpeaker(k);
      return cluster;
    } catch (error) {
      if (controller !== undefined) await stopDaemon(controller, 'SIGTERM');
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

  /**
   * A machine joining the cluster at run time: a node namespace on the
   * bridge, then its Node object (so its creationTimestamp is the newest, as
   * for a real new node), its speaker Pod, and its speaker, which joins
   * memberlist. Resolves with its number.
   */
  async addNode(labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const k = await this.topology.addNode();
    if (this.options.kubelet === true) {
      this.addKubeletNode(k, labels);
      return k;
    }
    await this.registerNode(k, labels);
    this.startSpeaker(k);
    return k;
  }

  /** Node k as a node of the lab's kubelet (see NetnsClusterOptions.kubelet). */
  private addKubeletNode(k: number, labels: Readonly<Record<string, string>>): void {
    const { topology } = this;
    this.lab.kubelet.addNode(
      this.nodeName(k),
      {
        address: topology.nodeAddress(k, 4),
        hostNetwork: (argv, options) => topology.spawn(topology.nodeNamespace(k), argv, options),
        podNetwork: {
          address: topology.apiAddress,
          spawn: (argv, options) => topology.spawnOnHost(argv, options),
        },
      },
      labels,
    );
  }

  /** The Node object and the speaker Pod (hostNetwork: its IP is the node's) that memberlist discovery lists. */
  private async registerNode(k: number, labels: Readonly<Record<string, string>>): Promise<void> {
    const name = this.nodeName(k);
    const ip = this.topology.nodeAddress(k, 4);
    await this.core.createNode({
      body: {
        metadata: { name, labels: { ...labels, 'kubernetes.io/hostname': name } },
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
      kubeconfigOf(this.lab, this.options, 'speaker'),
      '--namespace',
      NETNS_NAMESPACE,
      '--host',
      address,
      // As the manifests pass it: the speaker's own default is v0.9's 80.
      '--port',
      String(SPEAKER_METRICS_PORT),
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
    const child = this.topology.spawn(this.topology.nodeNamespace(k), argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: daemonEnv(),
    });
    const file = createWriteStream(join(this.lab.workDir, `speaker-${name}.log`), { flags: 'a' });
    this.logFiles.push(file);
    logTo(child, file, (line) => {
      try {
        this.logs.push({ node: name, line: JSON.parse(line) as LogLine });
      } catch {
        // not JSON: kept in the file only
      }
    });
    this.speakers.set(k, daemonProcess(child));
  }

  /** Signals node k's speaker and waits for it to exit. */
  async stopSpeaker(k: number, signal: NodeJS.Signals): Promise<void> {
    const speaker = this.speakers.get(k);
    if (speaker === undefined) return;
    await stopDaemon(speaker, signal);
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
  async createService(name: string, options: NetnsServiceOptions = {}): Promise<string> {
    const [ip = ''] = await this.createServiceIPs(name, options);
    return ip;
  }

  /**
   * createService() for a Service with several addresses (a balancer
   * class's): resolves with all of them, in status order, once the
   * controller assigned `ipCount` (default 1), each put on every node's
   * kube-lb0 as kube-proxy would.
   */
  async createServiceIPs(name: string, options: NetnsServiceOptions = {}): Promise<string[]> {
    const pool = options.pool ?? (options.family === 6 ? 'lan6' : undefined);
    const nodes = options.nodes ?? Array.from({ length: this.topology.nodes }, (_, i) => i + 1);
    for (const k of nodes)
      await this.runningPod(
        'default',
        `${name}-${this.nodeName(k)}`,
        { app: name },
        this.nodeName(k),
        this.topology.nodeAddress(k, 4),
      );
    const viaField = options.balancerClass !== undefined && options.classVia !== 'annotation';
    const annotations: Record<string, string> = {
      ...(pool === undefined ? {} : { 'metallb.universe.tf/address-pool': pool }),
      ...(options.balancerClass !== undefined && !viaField
        ? { 'metallb-ts.io/balancer-class': options.balancerClass }
        : {}),
      ...(options.ipCount === undefined
        ? {}
        : { 'metallb-ts.io/ip-count': String(options.ipCount) }),
    };
    await this.core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name, ...(Object.keys(annotations).length === 0 ? {} : { annotations }) },
        spec: {
          type: 'LoadBalancer',
          selector: { app: name },
          // v0.9 gives a Service an address of its clusterIP's family.
          ipFamilies: [options.family === 6 ? 'IPv6' : 'IPv4'],
          ...(options.policy === undefined ? {} : { externalTrafficPolicy: options.policy }),
          ...(viaField ? { loadBalancerClass: `metallb-ts.io/${options.balancerClass}` } : {}),
          ports: [{ port: this.topology.backendPort, protocol: 'TCP' }],
        },
      },
    });
    const wanted = options.ipCount ?? 1;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ips = await this.serviceIPs(name);
      if (ips.length >= wanted) {
        for (const ip of ips) await this.topology.addServiceIP(ip);
        return ips;
      }
      if (Date.now() > deadline)
        throw new Error(
          `Service ${name} got ${ips.length} of ${wanted} addresses in 15 s: ${ips.join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The addresses in Service `name`'s status.loadBalancer.ingress, in order. */
  async serviceIPs(name: string): Promise<string[]> {
    const service = await this.core.readNamespacedService({ name, namespace: 'default' });
    return (service.status?.loadBalancer?.ingress ?? []).flatMap((entry) => entry.ip ?? []);
  }

  /** The Events recorded on Service `name` (the speakers' `nodeAssigned` among them). */
  async serviceEvents(name: string): Promise<ServiceEvent[]> {
    const list = await this.core.listNamespacedEvent({ namespace: 'default' });
    return list.items
      .filter(
        (event) => event.involvedObject.kind === 'Service' && event.involvedObject.name === name,
      )
      .map((event) => ({
        reason: event.reason ?? '',
        message: event.message ?? '',
        type: event.type ?? '',
        count: event.count ?? 1,
      }));
  }

  /** Node k's speaker's /metrics text (Prometheus exposition), from the host over the bridge. */
  async speakerMetrics(k: number): Promise<string> {
    const url = `http://${this.topology.nodeAddress(k, 4)}:${SPEAKER_METRICS_PORT}/metrics`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.text();
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
    if (this.controller !== undefined) await stopDaemon(this.controller, 'SIGTERM');
    for (const file of this.logFiles) file.end();
    await this.lab.stop().catch(() => undefined);
    await this.topology.destroy();
  }
}

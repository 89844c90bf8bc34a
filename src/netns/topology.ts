/**
 * A small virtual LAN of Linux network namespaces for the layer-2
 * end-to-end tests and `metallb-ts lab --netns` (root only):
 *
 *   host namespace: bridge <prefix>br, 198.51.100.254/24 and 2001:db8:100::fe/64
 *     ├─ <prefix>n1h ── <prefix>n1: eth0 198.51.100.1,   2001:db8:100::1,  kube-lb0, backend "n1"
 *     ├─ ...            <prefix>nN: eth0 198.51.100.N,   2001:db8:100::N (hex)
 *     ├─ <prefix>ch  ── <prefix>c:  eth0 198.51.100.200, 2001:db8:100::c8,
 *     │                             203.0.113.0/24 and 2001:db8:203::/64 on-link
 *     └─ <prefix>rh  ── <prefix>r:  eth0 198.51.100.250, 2001:db8:100::fa
 *                                   (only with the `router` option)
 *
 * The bridge address is where processes in the namespaces reach servers of
 * the host namespace (the lab API). Service IPs sit on each node's kube-lb0
 * the way kube-proxy puts them there, with ARP replies for them switched off
 * in the kernel, so only a speaker can make them reachable. The client
 * reaches Service IPs directly on the LAN: it must resolve them with
 * ARP/NDP, which is what a speaker answers. The optional router namespace is
 * where a BGP router runs for the speakers of the node namespaces to peer
 * with (test/support/routers); it is a plain host on the LAN, nothing more.
 *
 * Only documentation ranges are used, nothing outside the bridge and its
 * namespaces is touched, and forwarding stays off. Everything is removed by
 * `destroy()`, on process exit and on SIGINT/SIGTERM/SIGHUP; a topology left
 * by a SIGKILLed run is removed by the next `create()`.
 */
import { spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cidrContains, formatIP, parseCidr, parseIP, type Cidr, type Family } from '../ip/index.js';
import { forget, removeAtExit } from './cleanup.js';
import { COMMAND_TIMEOUT_MS, mustRun, run, runAccepting, type CommandResult } from './command.js';
import { HttpLoop, type HttpLoopOptions } from './http-loop.js';
import {
  parseArpingReplies,
  parseLocalAddresses,
  parseNdiscReplies,
  parseNdiscReply,
  parseNeighbours,
  type Neighbour,
} from './ip-json.js';
import { acquireLanLock, releaseLanLock } from './lock.js';
import {
  createNamespace,
  inNamespace,
  ipIn,
  linkOf,
  NO_DAD,
  PREFIX_FORMAT,
  removeMatching,
  sysctlIn,
  uniquePrefix,
  type NamePattern,
} from './namespaces.js';
import { needTool, netnsUnavailable } from './tools.js';

// ---------------------------------------------------------------------------
// Addresses (documentation ranges only)

const LAN_V4 = '198.51.100.0/24';
const LAN_V6 = '2001:db8:100::/64';
const API_V4 = '198.51.100.254';
const API_V6 = '2001:db8:100::fe';
const CLIENT_V4 = '198.51.100.200';
const CLIENT_V6 = '2001:db8:100::c8';
/** Like every address here: the IPv6 host part is the IPv4 one in hex (250 = 0xfa). */
const ROUTER_V4 = '198.51.100.250';
const ROUTER_V6 = '2001:db8:100::fa';
/** Where Service IPs come from; the client has these on-link. */
export const SERVICE_RANGES = { ipv4: '203.0.113.0/24', ipv6: '2001:db8:203::/64' } as const;

/** Node k's host part must stay below the client's (.200). */
const MAX_NODES = 199;
/** Linux interface names: at most 15 bytes. */
const IFNAMSIZ = 15;
const SERVICE_INTERFACE = 'kube-lb0';
const DEFAULT_BACKEND_PORT = 8080;

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad built-in prefix ${text}: ${parsed.error}`);
  return parsed.value.cidr;
}
const LAN_CIDRS = [cidr(LAN_V4), cidr(LAN_V6)];
const SERVICE_CIDRS = [cidr(SERVICE_RANGES.ipv4), cidr(SERVICE_RANGES.ipv6)];

/** The names a topology with this prefix creates: its namespaces and its host-side links. */
function prefixPattern(prefix: string): NamePattern {
  const escaped = prefix.replace(/[^a-z0-9]/gi, (c) => `\\${c}`);
  const namespaces = new RegExp(`^${escaped}(?:n\\d+|c|r)$`);
  const links = new RegExp(`^${escaped}(?:br|n\\d+h|ch|rh)$`);
  return { namespace: (name) => namespaces.test(name), link: (name) => links.test(name) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// The topology

export interface NetnsTopologyOptions {
  /** Start of every namespace and link name; default 'mt' and 4 random hex digits. */
  prefix?: string;
  /** Node namespaces, 1..199. */
  nodes: number;
  /** Also IPv6 addresses (2001:db8:100::/64) and on-link 2001:db8:203::/64 on the client. */
  ipv6: boolean;
  /** Where each node's backend listens (default 8080). */
  backendPort?: number;
  /** How long to wait for another process's topology to go away (default 30 s). */
  lockWaitMs?: number;
  /** Also a router namespace <prefix>r at 198.51.100.250 / 2001:db8:100::fa (default false). */
  router?: boolean;
}

interface NamespacePlan {
  ns: string;
  hostLink: string;
  ipv4: string;
  ipv6: string;
  role: 'node' | 'client' | 'router';
}

const scriptPath = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Node k's host-side veth is the longest name a topology makes. */
function checkLinkName(prefix: string, k: number): void {
  const longest = `${prefix}n${k}h`;
  if (longest.length > IFNAMSIZ) {
    throw new Error(`prefix ${prefix} too long: ${longest} exceeds ${IFNAMSIZ} characters`);
  }
}

export class NetnsTopology {
  readonly prefix: string;
  readonly ipv6: boolean;
  readonly backendPort: number;
  readonly bridge: string;
  readonly clientNamespace: string;
  readonly hasRouter: boolean;
  readonly apiAddress = API_V4;
  private readonly children = new Set<ChildProcess>();
  private readonly backends = new Map<number, ChildProcess>();
  /** Grows with addNode(). */
  private nodeCount: number;
  /** The Service IPs on every node's kube-lb0, for a node added later to get them too. */
  private readonly serviceIPs = new Set<string>();
  /** Set once removal has started: nothing new is spawned after it. */
  private removed = false;
  private destroying: Promise<void> | undefined;

  private constructor(options: Required<Omit<NetnsTopologyOptions, 'lockWaitMs'>>) {
    this.prefix = options.prefix;
    this.hasRouter = options.router;
    this.nodeCount = options.nodes;
    this.ipv6 = options.ipv6;
    this.backendPort = options.backendPort;
    this.bridge = `${this.prefix}br`;
    this.clientNamespace = `${this.prefix}c`;
  }

  /** Builds the LAN, starts a backend in every node namespace; throws when not root or without `ip`. */
  static async create(options: NetnsTopologyOptions): Promise<NetnsTopology> {
    const unavailable = netnsUnavailable();
    if (unavailable !== undefined) throw new Error(unavailable);
    const prefix = options.prefix ?? uniquePrefix();
    const { nodes } = options;
    if (!PREFIX_FORMAT.test(prefix)) {
      throw new Error(
        `prefix ${JSON.stringify(prefix)}: a lower-case letter, then letters or digits`,
      );
    }
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
      throw new Error(`nodes must be an integer in 1..${MAX_NODES}, not ${nodes}`);
    }
    checkLinkName(prefix, nodes);
    const backendPort = options.backendPort ?? DEFAULT_BACKEND_PORT;
    if (!Number.isInteger(backendPort) || backendPort < 1 || backendPort > 65535) {
      throw new Error(`backendPort must be a port number, not ${backendPort}`);
    }
    const topology = new NetnsTopology({
      prefix,
      nodes,
      ipv6: options.ipv6,
      backendPort,
      router: options.router ?? false,
    });
    await acquireLanLock({
      prefix,
      waitMs: options.lockWaitMs ?? 30_000,
      lan: LAN_V4,
      removeLeftovers: (deadPrefix) => removeMatching(prefixPattern(deadPrefix)),
    });
    removeAtExit(topology);
    try {
      await topology.build();
    } catch (error) {
      await topology.destroy().catch(() => undefined);
      throw error;
    }
    return topology;
  }

  /** Node namespaces, 1..nodes; grows with addNode(). */
  get nodes(): number {
    return this.nodeCount;
  }

  /**
   * One more node namespace on the bridge, at run time, as a machine joining
   * the LAN: eth0, kube-lb0 with every Service IP the other nodes have, and
   * its backend. Resolves with its number.
   */
  async addNode(): Promise<number> {
    if (this.removed) throw new Error(`topology ${this.prefix} is destroyed`);
    const k = this.nodeCount + 1;
    if (k > MAX_NODES) throw new Error(`a topology has at most ${MAX_NODES} nodes`);
    checkLinkName(this.prefix, k);
    // Counted before it exists: its names come from the count, and destroy() removes by prefix.
    this.nodeCount = k;
    const plan = this.nodePlan(k);
    await this.buildNamespace(plan);
    for (const ip of this.serviceIPs) await this.putServiceIP(plan.ns, ip);
    await this.startBackend(k);
    return k;
  }

  // -- names and addresses ---------------------------------------------------

  nodeNamespace(k: number): string {
    this.checkNode(k);
    return `${this.prefix}n${k}`;
  }

  /** Node k's eth0 address: 198.51.100.k, or 2001:db8:100::k with k in hex. */
  nodeAddress(k: number, family: Family): string {
    this.checkNode(k);
    if (family === 4) return `198.51.100.${k}`;
    this.checkIPv6();
    return `2001:db8:100::${k.toString(16)}`;
  }

  get clientAddress(): string {
    return CLIENT_V4;
  }

  get clientAddress6(): string {
    this.checkIPv6();
    return CLIENT_V6;
  }

  /** The router namespace (created with `router: true`). */
  get routerNamespace(): string {
    this.checkRouter();
    return `${this.prefix}r`;
  }

  /** The router namespace's eth0 address: 198.51.100.250 or 2001:db8:100::fa. */
  routerAddress(family: Family): string {
    this.checkRouter();
    if (family === 4) return ROUTER_V4;
    this.checkIPv6();
    return ROUTER_V6;
  }

  /** The host namespace's IPv6 address on the bridge. */
  get apiAddress6(): string {
    this.checkIPv6();
    return API_V6;
  }

  get nodeNamespaces(): string[] {
    return Array.from({ length: this.nodeCount }, (_, i) => this.nodeNamespace(i + 1));
  }

  /** The pid of node k's backend HTTP server. */
  backendPid(k: number): number | undefined {
    this.checkNode(k);
    return this.backends.get(k)?.pid;
  }

  async macOf(ns: string, ifname: string): Promise<string> {
    return (await linkOf(ns, ifname)).mac;
  }

  // -- processes in namespaces -----------------------------------------------

  /** Runs argv in namespace ns; resolves whatever the exit code (bounded by timeoutMs). */
  exec(
    ns: string,
    argv: readonly string[],
    timeoutMs = COMMAND_TIMEOUT_MS,
  ): Promise<CommandResult> {
    return run(inNamespace(ns, argv), timeoutMs);
  }

  /** Starts argv in namespace ns; it is SIGKILLed by destroy() if still running. */
  spawn(ns: string, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    // `ip netns exec` execs argv in place: the child's pid is argv's own.
    return this.spawnOnHost(inNamespace(ns, argv), options);
  }

  /**
   * Starts argv in the host namespace (a server the namespaces reach over
   * the bridge); like spawn(), it is SIGKILLed by destroy() if still running.
   */
  spawnOnHost(argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    if (this.removed) throw new Error(`topology ${this.prefix} is destroyed`);
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('empty command');
    const child = spawnChild(file, args, options);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
    return child;
  }

  // -- Service IPs -----------------------------------------------------------

  /** Puts ip on kube-lb0 in every node namespace (and any added later), as kube-proxy would. */
  async addServiceIP(ip: string): Promise<void> {
    this.serviceAddress(ip);
    this.serviceIPs.add(ip);
    await Promise.all(this.nodeNamespaces.map((ns) => this.putServiceIP(ns, ip)));
  }

  private async putServiceIP(ns: string, ip: string): Promise<void> {
    const { address, length } = this.serviceAddress(ip);
    const nodad = length === 128 ? ['nodad'] : [];
    await ipIn(ns, 'addr', 'replace', `${address}/${length}`, 'dev', SERVICE_INTERFACE, ...nodad);
  }

  async removeServiceIP(ip: string): Promise<void> {
    const { address, length } = this.serviceAddress(ip);
    this.serviceIPs.delete(ip);
    await Promise.all(
      this.nodeNamespaces.map((ns) =>
        runAccepting(
          ['ip', '-n', ns, 'addr', 'del', `${address}/${length}`, 'dev', SERVICE_INTERFACE],
          // An address that is not there is not an error: the goal holds.
          ({ code, stderr }) =>
            code === 0 || /Address not found|Cannot assign requested address/.test(stderr),
        ),
      ),
    );
  }

  /** The Service IPs on node k's kube-lb0, as `ip` prints them. */
  async serviceIPsOn(k: number): Promise<string[]> {
    const text = await ipIn(this.nodeNamespace(k), '-j', 'addr', 'show', 'dev', SERVICE_INTERFACE);
    return parseLocalAddresses(text, { global: true }).map(({ address }) => address);
  }

  // -- the client's view -----------------------------------------------------

  /**
   * MACs of the ARP replies the client gets for ip to `probes` requests, a
   * second apart (one per reply; empty when none). Without -f, iputils
   * arping records every reply, so two nodes answering show as two MACs.
   */
  async arping(ip: string, probes = 2): Promise<string[]> {
    needTool('arping');
    const arping = ['arping', '-c', String(probes), '-w', String(probes), '-I', 'eth0', ip];
    // iputils arping: 1 when nobody answered, 2 on errors.
    const result = await runAccepting(this.inClient(arping), ({ code }) => code <= 1);
    return parseArpingReplies(result.stdout);
  }

  /** The MAC in the Neighbor Advertisement the client gets for ip, or null. */
  async ndisc(ip: string): Promise<string | null> {
    needTool('ndisc6');
    const ndisc6 = ['ndisc6', '-1', '-r', '2', '-w', '500', ip, 'eth0'];
    // ndisc6: 2 when nobody answered, 1 on errors.
    const result = await runAccepting(
      this.inClient(ndisc6),
      ({ code }) => code === 0 || code === 2,
    );
    return parseNdiscReply(result.stdout);
  }

  /**
   * The MACs of every Neighbor Advertisement the client gets for ip within
   * a second (ndisc6 -m waits for all, where -1 stops at the first): two
   * nodes answering show as two MACs.
   */
  async ndiscAll(ip: string): Promise<string[]> {
    needTool('ndisc6');
    const ndisc6 = ['ndisc6', '-m', '-r', '1', '-w', '1000', ip, 'eth0'];
    // ndisc6: 2 when nobody answered, 1 on errors.
    const result = await runAccepting(
      this.inClient(ndisc6),
      ({ code }) => code === 0 || code === 2,
    );
    return parseNdiscReplies(result.stdout);
  }

  /** The client's neighbour table (ARP and NDP). */
  async neighbours(): Promise<Neighbour[]> {
    return parseNeighbours(await ipIn(this.clientNamespace, '-j', 'neigh', 'show'));
  }

  /** A static neighbour entry in the client: ip is at mac, whoever answers ARP/NDP. */
  async setNeighbour(ip: string, mac: string): Promise<void> {
    await ipIn(this.clientNamespace, 'neigh', 'replace', ip, 'lladdr', mac, 'dev', 'eth0');
  }

  /** Forgets the client's entry for ip, so the next packet resolves it again. */
  async forgetNeighbour(ip: string): Promise<void> {
    await runAccepting(
      ['ip', '-n', this.clientNamespace, 'neigh', 'del', ip, 'dev', 'eth0'],
      ({ code, stderr }) => code === 0 || /No such file|Cannot assign/.test(stderr),
    );
  }

  /** One GET from the client (curl); the body trimmed (a backend's node name), or null without an answer. */
  async httpGet(ip: string, port: number, timeoutMs = 1_000): Promise<string | null> {
    needTool('curl');
    const host = ip.includes(':') ? `[${ip}]` : ip;
    // -g: the brackets of an IPv6 literal are not a glob; never an environment's proxy.
    const curl = ['curl', '-s', '-g', '--noproxy', '*', '-m', String(timeoutMs / 1000)];
    // curl: 7 could not connect, 28 timed out, 52 empty reply, 56 connection reset.
    const noAnswer = [7, 28, 52, 56];
    const result = await runAccepting(
      this.inClient([...curl, `http://${host}:${port}/`]),
      ({ code }) => code === 0 || noAnswer.includes(code),
      timeoutMs + 5_000,
    );
    return result.code === 0 ? result.stdout.trim() : null;
  }

  /** Starts a bounded HTTP loop in the client namespace (http-probe.js). */
  httpLoop(options: HttpLoopOptions): HttpLoop {
    const { ip, port, intervalMs, durationMs, maxRequests, timeoutMs } = options;
    const args = Object.entries({ port, intervalMs, durationMs, maxRequests, timeoutMs }).flatMap(
      ([name, value]) => [
        `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
        String(value),
      ],
    );
    const hosts = (typeof ip === 'string' ? [ip] : ip).flatMap((host) => ['--host', host]);
    const probe = [process.execPath, scriptPath('./http-probe.js'), ...hosts, ...args];
    const child = this.spawn(this.clientNamespace, probe, { stdio: ['ignore', 'pipe', 'pipe'] });
    const loop = new HttpLoop(child);
    // The probe stops by itself; this is the bound should it ever hang.
    const limit = setTimeout(() => loop.stop(), durationMs + timeoutMs + 5_000).unref();
    void loop.done.finally(() => clearTimeout(limit)).catch(() => undefined);
    return loop;
  }

  // -- teardown --------------------------------------------------------------

  /** Kills the processes started here, removes the namespaces, veths and the bridge. Idempotent. */
  destroy(): Promise<void> {
    this.destroying ??= this.tearDown();
    return this.destroying;
  }

  private async tearDown(): Promise<void> {
    const exited = [...this.children].map(
      (child) => new Promise<void>((resolve) => child.once('exit', () => resolve())),
    );
    this.destroySync();
    // Bounded: SIGKILLed processes are gone within milliseconds.
    await Promise.race([Promise.all(exited), sleep(2_000)]);
  }

  /** destroy() without waiting for the processes to be reaped; for exit and signal handlers. */
  destroySync(): void {
    if (this.removed) return;
    this.removed = true;
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    try {
      removeMatching(prefixPattern(this.prefix));
    } finally {
      releaseLanLock(this.prefix);
      forget(this);
    }
  }

  // -- building --------------------------------------------------------------

  private plans(): NamespacePlan[] {
    const nodes = this.nodeNamespaces.map((_, i) => this.nodePlan(i + 1));
    const client: NamespacePlan = {
      ns: this.clientNamespace,
      hostLink: `${this.clientNamespace}h`,
      ipv4: CLIENT_V4,
      ipv6: CLIENT_V6,
      role: 'client',
    };
    const router: NamespacePlan[] = this.hasRouter
      ? [
          {
            ns: `${this.prefix}r`,
            hostLink: `${this.prefix}rh`,
            ipv4: ROUTER_V4,
            ipv6: ROUTER_V6,
            role: 'router',
          },
        ]
      : [];
    return [...nodes, client, ...router];
  }

  private nodePlan(k: number): NamespacePlan {
    const ns = this.nodeNamespace(k);
    return {
      ns,
      hostLink: `${ns}h`,
      ipv4: `198.51.100.${k}`,
      ipv6: `2001:db8:100::${k.toString(16)}`,
      role: 'node',
    };
  }

  private async build(): Promise<void> {
    await this.checkLanFree();
    await this.buildBridge();
    await Promise.all(this.plans().map((plan) => this.buildNamespace(plan)));
    await Promise.all(this.nodeNamespaces.map((_, i) => this.startBackend(i + 1)));
  }

  /** Refuses to add a second way into the LAN's prefixes on the host. */
  private async checkLanFree(): Promise<void> {
    const addresses = parseLocalAddresses(await mustRun(['ip', '-j', 'addr', 'show']));
    for (const { link, address } of addresses) {
      const local = parseIP(address);
      if (!local.ok || !LAN_CIDRS.some((c) => cidrContains(c, local.value))) continue;
      throw new Error(
        `${formatIP(local.value)} is already on ${link} in the host namespace; ` +
          `the topology needs ${LAN_V4} and ${LAN_V6} to itself (if an interrupted run left it, remove it with ip link del)`,
      );
    }
  }

  private async buildBridge(): Promise<void> {
    const br = this.bridge;
    await mustRun(['ip', 'link', 'add', br, 'type', 'bridge']);
    if (this.ipv6) {
      // For this bridge only: the host's address is usable at once, not after DAD.
      await writeFile(`/proc/sys/net/ipv6/conf/${br}/accept_dad`, '0');
    }
    await mustRun(['ip', 'addr', 'add', `${API_V4}/24`, 'dev', br]);
    if (this.ipv6) await mustRun(['ip', 'addr', 'add', `${API_V6}/64`, 'dev', br, 'nodad']);
    await mustRun(['ip', 'link', 'set', br, 'up']);
  }

  private async buildNamespace(plan: NamespacePlan): Promise<void> {
    const { ns, hostLink } = plan;
    const ip = (...args: string[]): Promise<string> => ipIn(ns, ...args);
    const nodeArp = (dev: string): string[] =>
      // Only answer ARP for addresses on the interface asked (never for a
      // Service IP on kube-lb0), and source ARP from the interface's own
      // address: the kernel must leave Service IPs to the speaker.
      plan.role === 'node'
        ? [`net.ipv4.conf.${dev}.arp_ignore=1`, `net.ipv4.conf.${dev}.arp_announce=2`]
        : [];
    // DAD off before eth0 exists, so it is created with DAD off; IPv6
    // addresses are otherwise unusable for seconds.
    await createNamespace(ns, [...NO_DAD, ...nodeArp('all')]);
    const peer = ['peer', 'name', 'eth0', 'netns', ns];
    await mustRun(['ip', 'link', 'add', hostLink, 'type', 'veth', ...peer]);
    await mustRun(['ip', 'link', 'set', hostLink, 'master', this.bridge, 'up']);
    await sysctlIn(ns, 'net.ipv6.conf.eth0.accept_dad=0', ...nodeArp('eth0'));
    await ip('addr', 'add', `${plan.ipv4}/24`, 'dev', 'eth0');
    if (this.ipv6) await ip('addr', 'add', `${plan.ipv6}/64`, 'dev', 'eth0', 'nodad');
    await ip('link', 'set', 'eth0', 'up');
    if (plan.role === 'client') {
      // Service IPs are on the LAN: the client resolves them with ARP/NDP itself.
      await ip('route', 'add', SERVICE_RANGES.ipv4, 'dev', 'eth0');
      if (this.ipv6) await ip('-6', 'route', 'add', SERVICE_RANGES.ipv6, 'dev', 'eth0');
    } else if (plan.role === 'node') {
      await this.addServiceInterface(ns);
    }
    // The router learns its routes to Service IPs from BGP: nothing more to add.
  }

  /**
   * kube-lb0, where Service IPs live (kube-proxy's dummy interface). Kernels
   * built without the dummy driver (some VM kernels) get an ifb device
   * instead: also a NOARP device that discards what is sent to it, which is
   * all kube-lb0 is for; local delivery to its addresses does not use it.
   */
  private async addServiceInterface(ns: string): Promise<void> {
    const dummy = await runAccepting(
      ['ip', '-n', ns, 'link', 'add', SERVICE_INTERFACE, 'type', 'dummy'],
      ({ code, stderr }) => code === 0 || /Unknown device type/i.test(stderr),
    );
    if (dummy.code !== 0) await ipIn(ns, 'link', 'add', SERVICE_INTERFACE, 'type', 'ifb');
    await ipIn(ns, 'link', 'set', SERVICE_INTERFACE, 'up');
  }

  private async startBackend(k: number): Promise<void> {
    const name = `n${k}`;
    const ns = this.nodeNamespace(k);
    const backend = [process.execPath, scriptPath('./backend-server.js'), '--name', name];
    const child = this.spawn(ns, [...backend, '--port', String(this.backendPort)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.backends.set(k, child);
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail('not listening after 10 s'), 10_000);
      const lines = child.stdout ? createInterface({ input: child.stdout }) : undefined;
      function fail(why: string): void {
        clearTimeout(timer);
        lines?.close();
        reject(new Error(`backend ${name} in ${ns}: ${why}: ${stderr.join('').trim()}`));
      }
      lines?.on('line', (line) => {
        if (!line.includes('"listening"')) return;
        clearTimeout(timer);
        lines.close();
        resolve();
      });
      child.once('error', (error) => fail(error.message));
      child.once('exit', (code, signal) => fail(`exited (${signal ?? `exit ${code ?? '?'}`})`));
    });
  }

  // -- checks ----------------------------------------------------------------

  private inClient(argv: readonly string[]): string[] {
    return inNamespace(this.clientNamespace, argv);
  }

  private checkNode(k: number): void {
    if (!Number.isInteger(k) || k < 1 || k > this.nodeCount) {
      throw new RangeError(`node ${k}: this topology has nodes 1..${this.nodeCount}`);
    }
  }

  private checkRouter(): void {
    if (!this.hasRouter) {
      throw new Error(
        `topology ${this.prefix} has no router namespace (created without router: true)`,
      );
    }
  }

  private checkIPv6(): void {
    if (!this.ipv6)
      throw new Error(`topology ${this.prefix} has no IPv6 (created with ipv6: false)`);
  }

  private serviceAddress(ip: string): { address: string; length: 32 | 128 } {
    const parsed = parseIP(ip);
    if (!parsed.ok) throw new Error(`Service IP ${JSON.stringify(ip)}: ${parsed.error}`);
    if (!SERVICE_CIDRS.some((c) => cidrContains(c, parsed.value))) {
      throw new Error(
        `Service IP ${ip} is outside ${SERVICE_RANGES.ipv4} and ${SERVICE_RANGES.ipv6}, which the client has on-link`,
      );
    }
    if (parsed.value.family === 6) this.checkIPv6();
    return { address: formatIP(parsed.value), length: parsed.value.family === 4 ? 32 : 128 };
  }
}

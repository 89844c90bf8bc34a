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
import {
  execFile,
  spawn as spawnChild,
  spawnSync,
  type ChildProcess,
  type SpawnOptions,
} from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  accessSync,
  constants,
  existsSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cidrContains, formatIP, parseCidr, parseIP, type Cidr, type Family } from '../ip/index.js';

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
/** Names are matched by prefix at cleanup: keep them plain. */
const PREFIX_FORMAT = /^[a-z][a-z0-9]+$/;
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

// ---------------------------------------------------------------------------
// Tools: every command this module runs goes through run() or runSync()

/** Debian packages of the tools the topology and its helpers run. */
export const NETNS_TOOLS = {
  ip: 'iproute2',
  sysctl: 'procps',
  ping: 'iputils-ping',
  arping: 'iputils-arping',
  ndisc6: 'ndisc6',
  curl: 'curl',
} as const;
export type NetnsTool = keyof typeof NETNS_TOOLS;

/** What building a topology needs; the helpers need their own tool too. */
const BUILD_TOOLS: readonly NetnsTool[] = ['ip', 'sysctl'];

function onPath(command: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function toolMissing(tool: NetnsTool): string {
  return `needs ${tool} (Debian package ${NETNS_TOOLS[tool]}; scripts/install-peers.sh installs it)`;
}

/**
 * Why a topology (and helpers using `tools`) cannot run here, or undefined
 * when it can. Tests skip with this reason.
 */
export function netnsUnavailable(tools: readonly NetnsTool[] = BUILD_TOOLS): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces)';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of new Set([...BUILD_TOOLS, ...tools])) {
    if (!onPath(tool)) return toolMissing(tool);
  }
  return undefined;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit code; a process killed by a signal counts as 128 + its number, like a shell says. */
  code: number;
}

const COMMAND_TIMEOUT_MS = 30_000;

function quoteArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

function describeCommand(argv: readonly string[]): string {
  return argv.map(quoteArgument).join(' ');
}

/** A command that exited non-zero (or could not run); the message quotes it and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult | undefined,
    why: string,
  ) {
    super(`command failed (${why}): ${describeCommand(argv)}`);
    this.name = 'CommandError';
  }
}

function signalCode(signal: NodeJS.Signals | null | undefined): number {
  return 128 + (signal ? osConstants.signals[signal] : 0);
}

/** Runs argv (no shell); resolves with the exit code whatever it is; rejects only when it cannot run. */
function run(argv: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        if (typeof error.code === 'string') {
          const why = error.code === 'ENOENT' ? `${file} not found` : error.code;
          reject(new CommandError(argv, undefined, why));
          return;
        }
        if (error.killed && error.signal === 'SIGTERM') {
          reject(
            new CommandError(argv, { stdout, stderr, code: -1 }, `no answer in ${timeoutMs} ms`),
          );
          return;
        }
        resolve({ stdout, stderr, code: error.code ?? signalCode(error.signal) });
      },
    );
  });
}

/** Like run(), but a non-zero exit is an error quoting the command and its stderr. */
async function runChecked(argv: readonly string[], timeoutMs?: number): Promise<string> {
  return (await runAccepting(argv, (result) => result.code === 0, timeoutMs)).stdout;
}

/** `ip -n ns ARGS...`, checked. */
function ipIn(ns: string, ...args: string[]): Promise<string> {
  return runChecked(['ip', '-n', ns, ...args]);
}

/** Like run(), but an exit that `accept` does not accept is an error quoting the command. */
async function runAccepting(
  argv: readonly string[],
  accept: (result: CommandResult) => boolean,
  timeoutMs?: number,
): Promise<CommandResult> {
  const result = await run(argv, timeoutMs);
  if (!accept(result)) {
    throw new CommandError(argv, result, `exit ${result.code}: ${result.stderr.trim()}`);
  }
  return result;
}

/** For cleanup on process exit, where nothing asynchronous runs any more. */
function runSync(argv: readonly string[]): CommandResult {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty command');
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error) throw new CommandError(argv, undefined, result.error.message);
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    code: result.status ?? signalCode(result.signal),
  };
}

function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

// ---------------------------------------------------------------------------
// Parsing the JSON `ip -j` prints

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonArray(text: string, what: string): Record<string, unknown>[] {
  // `ip -j` prints nothing at all (not "[]") for some empty lists.
  if (text.trim() === '') return [];
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every(isRecord)) {
    throw new Error(`unexpected output of ${what}: ${text.slice(0, 200)}`);
  }
  return value;
}

function stringField(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' ? value : undefined;
}

/** An entry of a namespace's neighbour table (`ip -j neigh`). */
export interface Neighbour {
  dst: string;
  dev: string;
  /** Absent while unresolved (INCOMPLETE, FAILED). */
  lladdr?: string;
  /** E.g. ['REACHABLE'], ['FAILED'], ['PERMANENT']. */
  state: string[];
}

function parseNeighbours(text: string): Neighbour[] {
  return jsonArray(text, 'ip -j neigh').map((entry) => {
    const state = entry['state'];
    const neighbour: Neighbour = {
      dst: stringField(entry, 'dst') ?? '',
      dev: stringField(entry, 'dev') ?? '',
      state: Array.isArray(state) ? state.filter((s): s is string => typeof s === 'string') : [],
    };
    const lladdr = stringField(entry, 'lladdr');
    if (lladdr !== undefined) neighbour.lladdr = lladdr.toLowerCase();
    return neighbour;
  });
}

/** MACs of the replies arping printed, one per reply, in lower case. */
export function parseArpingReplies(output: string): string[] {
  const macs: string[] = [];
  for (const match of output.matchAll(/reply from \S+ \[([0-9a-f]{2}(?::[0-9a-f]{2}){5})\]/gi)) {
    macs.push((match[1] ?? '').toLowerCase());
  }
  return macs;
}

/** The target's MAC ndisc6 printed, in lower case, or null. */
export function parseNdiscReply(output: string): string | null {
  const match = /Target link-layer address: ([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(output);
  return match?.[1]?.toLowerCase() ?? null;
}

// ---------------------------------------------------------------------------
// One topology per machine at a time: the host side of every topology is the
// same 198.51.100.0/24 on a bridge, and two bridges with it would split the
// host's replies between two LANs. A lock file says who holds the LAN.

const LOCK_PATH = join(existsSync('/run') ? '/run' : tmpdir(), 'metallb-ts-netns.lock');

interface LockOwner {
  pid: number;
  prefix: string;
}

function readLockOwner(): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(LOCK_PATH, 'utf8'));
    if (
      isRecord(value) &&
      typeof value['pid'] === 'number' &&
      typeof value['prefix'] === 'string' &&
      PREFIX_FORMAT.test(value['prefix'])
    ) {
      return { pid: value['pid'], prefix: value['prefix'] };
    }
  } catch {
    // missing, or being written right now
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function acquireLanLock(prefix: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let unreadableSince: number | undefined;
  for (;;) {
    try {
      writeFileSync(LOCK_PATH, JSON.stringify({ pid: process.pid, prefix }), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readLockOwner();
    if (owner === undefined) {
      // Another process may be between creating and writing it; give it a second.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 1_000) unlinkLock();
    } else if (owner.pid === process.pid) {
      throw new Error(
        `this process already has a network-namespace topology (${owner.prefix}); destroy it first`,
      );
    } else if (!processAlive(owner.pid)) {
      // A run that was SIGKILLed: its topology is still there, in the way.
      const removed = removeTopologyByPrefix(prefixPattern(owner.prefix));
      if (removed.length > 0) {
        process.emitWarning(
          `removed what a dead process (pid ${owner.pid}) left of topology ${owner.prefix}: ${removed.join(', ')}`,
        );
      }
      unlinkLock();
    } else if (Date.now() > deadline) {
      throw new Error(
        `another network-namespace topology (${owner.prefix}, pid ${owner.pid}) holds ${LAN_V4} on this machine; waited ${waitMs} ms`,
      );
    } else {
      await sleep(200);
    }
  }
}

function unlinkLock(): void {
  try {
    unlinkSync(LOCK_PATH);
  } catch {
    // already gone
  }
}

function releaseLanLock(prefix: string): void {
  const owner = readLockOwner();
  if (owner?.pid === process.pid && owner.prefix === prefix) unlinkLock();
}

// ---------------------------------------------------------------------------
// Removal, synchronous so it also runs from a process 'exit' handler

/** The names a topology with this prefix creates: its namespaces and its host-side links. */
function prefixPattern(prefix: string): { namespaces: RegExp; links: RegExp } {
  const escaped = prefix.replace(/[^a-z0-9]/gi, (c) => `\\${c}`);
  return {
    namespaces: new RegExp(`^${escaped}(?:n\\d+|c|r)$`),
    links: new RegExp(`^${escaped}(?:br|n\\d+h|ch|rh)$`),
  };
}

/** Lists the matching namespaces and host links and deletes them; returns what it deleted. */
function removeTopologyByPrefix(pattern: { namespaces: RegExp; links: RegExp }): string[] {
  const removed: string[] = [];
  const failures: string[] = [];
  const attempt = (argv: string[], name: string): void => {
    const result = runSync(argv);
    if (result.code === 0) removed.push(name);
    else failures.push(`${describeCommand(argv)}: ${result.stderr.trim()}`);
  };
  const links = jsonArray(runSync(['ip', '-j', 'link', 'show']).stdout, 'ip -j link')
    .map((link) => stringField(link, 'ifname') ?? '')
    .filter((name) => pattern.links.test(name));
  // Veths first (deleting the host end deletes the pair), the bridge last.
  links.sort((a, b) => Number(a.endsWith('br')) - Number(b.endsWith('br')));
  for (const link of links) attempt(['ip', 'link', 'del', link], link);
  for (const ns of listNamespacesSync().filter((name) => pattern.namespaces.test(name))) {
    attempt(['ip', 'netns', 'del', ns], ns);
  }
  if (failures.length > 0) {
    throw new Error(`could not remove everything:\n  ${failures.join('\n  ')}`);
  }
  return removed;
}

function listNamespacesSync(): string[] {
  const result = runSync(['ip', '-j', 'netns', 'list']);
  if (result.code !== 0) return [];
  return jsonArray(result.stdout, 'ip -j netns list').flatMap(
    (ns) => stringField(ns, 'name') ?? [],
  );
}

// ---------------------------------------------------------------------------
// Process-wide cleanup hooks: one set for all live topologies

const liveTopologies = new Set<NetnsTopology>();
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function cleanUpAll(): void {
  for (const topology of [...liveTopologies]) {
    try {
      topology.destroySync();
    } catch (error) {
      process.stderr.write(`netns cleanup: ${(error as Error).message}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUpAll();
  uninstallHooks();
  // Other listeners decide what the signal means to them; with none left, do
  // what it would have done without us: end the process by that signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  if (liveTopologies.size > 0) return;
  process.on('exit', cleanUpAll);
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
}

function uninstallHooks(): void {
  process.off('exit', cleanUpAll);
  for (const signal of CLEANUP_SIGNALS) process.off(signal, onSignal);
}

function track(topology: NetnsTopology): void {
  installHooks();
  liveTopologies.add(topology);
}

function untrack(topology: NetnsTopology): void {
  liveTopologies.delete(topology);
  if (liveTopologies.size === 0) uninstallHooks();
}

// ---------------------------------------------------------------------------
// The HTTP loop's results

/** One request of an HTTP loop, as http-probe.js printed it. */
export interface HttpProbeResult {
  /** When the request started, Unix ms. */
  t: number;
  /** The address it went to (one of the loop's `ip`). */
  host: string;
  ok: boolean;
  /** The node that answered (its backend's body), null when it failed. */
  node: string | null;
  /** How long it took. */
  ms: number;
  error?: string;
}

export interface HttpLoopOptions {
  /** Where requests go; several addresses are taken in turn, round robin. */
  ip: string | readonly string[];
  port: number;
  /** Time between request starts. */
  intervalMs: number;
  /** The loop stops after this long... */
  durationMs: number;
  /** ...or after this many requests, whichever comes first. */
  maxRequests: number;
  /** A request without an answer by then fails. */
  timeoutMs: number;
}

function parseProbeResult(line: string): HttpProbeResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { t, host, ok, node, ms, error } = value;
  if (typeof t !== 'number' || typeof ok !== 'boolean' || typeof ms !== 'number') return undefined;
  if (typeof host !== 'string') return undefined;
  if (node !== null && typeof node !== 'string') return undefined;
  const result: HttpProbeResult = { t, host, ok, node, ms };
  if (typeof error === 'string') result.error = error;
  return result;
}

export interface HttpLoopEvents {
  result: [HttpProbeResult];
}

/** A running http-probe: a 'result' event per request; `done` once it stopped by itself. */
export class HttpLoop extends EventEmitter<HttpLoopEvents> {
  readonly results: HttpProbeResult[] = [];
  /** Resolves with every result when the probe exits 0; rejects when it fails or is stopped. */
  readonly done: Promise<HttpProbeResult[]>;

  constructor(private readonly child: ChildProcess) {
    super();
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    const lines = child.stdout ? createInterface({ input: child.stdout }) : undefined;
    lines?.on('line', (line) => {
      const result = parseProbeResult(line);
      if (result === undefined) {
        stderr.push(`unexpected line: ${line}\n`);
        return;
      }
      this.results.push(result);
      this.emit('result', result);
    });
    this.done = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        if (code === 0) resolve(this.results);
        else {
          const why = signal ?? `exit ${code ?? '?'}`;
          reject(new Error(`http-probe failed (${why}): ${stderr.join('').trim()}`));
        }
      });
    });
    // Whoever awaits `done` sees a failure; nobody awaiting it is not a crash.
    this.done.catch(() => undefined);
  }

  /** Ends the loop early (SIGTERM); `done` then rejects. */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

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
    const prefix = options.prefix ?? `mt${randomBytes(2).toString('hex')}`;
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
    await acquireLanLock(prefix, options.lockWaitMs ?? 30_000);
    track(topology);
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
    const links = jsonArray(await ipIn(ns, '-j', 'link', 'show', 'dev', ifname), 'ip -j link');
    const mac = links[0] === undefined ? undefined : stringField(links[0], 'address');
    if (mac === undefined) throw new Error(`no MAC address for ${ifname} in ${ns}`);
    return mac.toLowerCase();
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
    if (this.removed) throw new Error(`topology ${this.prefix} is destroyed`);
    const child = spawnChild('ip', ['netns', 'exec', ns, ...argv], options);
    // `ip netns exec` execs argv in place: the child's pid is argv's own.
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
    return jsonArray(text, 'ip -j addr').flatMap((link) => {
      const info = link['addr_info'];
      if (!Array.isArray(info)) return [];
      return info.flatMap((entry: unknown) => {
        if (!isRecord(entry) || entry['scope'] === 'link') return [];
        return stringField(entry, 'local') ?? [];
      });
    });
  }

  // -- the client's view -----------------------------------------------------

  /** MACs of the ARP replies the client gets for ip (one per reply; empty when none). */
  async arping(ip: string): Promise<string[]> {
    this.needTool('arping');
    const arping = ['arping', '-c', '2', '-w', '2', '-I', 'eth0', ip];
    // iputils arping: 1 when nobody answered, 2 on errors.
    const result = await runAccepting(this.inClient(arping), ({ code }) => code <= 1);
    return parseArpingReplies(result.stdout);
  }

  /** The MAC in the Neighbor Advertisement the client gets for ip, or null. */
  async ndisc(ip: string): Promise<string | null> {
    this.needTool('ndisc6');
    const ndisc6 = ['ndisc6', '-1', '-r', '2', '-w', '500', ip, 'eth0'];
    // ndisc6: 2 when nobody answered, 1 on errors.
    const result = await runAccepting(
      this.inClient(ndisc6),
      ({ code }) => code === 0 || code === 2,
    );
    return parseNdiscReply(result.stdout);
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
    this.needTool('curl');
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
      removeTopologyByPrefix(prefixPattern(this.prefix));
    } finally {
      releaseLanLock(this.prefix);
      untrack(this);
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
    const links = jsonArray(await runChecked(['ip', '-j', 'addr', 'show']), 'ip -j addr');
    for (const link of links) {
      const info = link['addr_info'];
      if (!Array.isArray(info)) continue;
      for (const entry of info) {
        if (!isRecord(entry)) continue;
        const local = parseIP(stringField(entry, 'local') ?? '');
        if (!local.ok || !LAN_CIDRS.some((c) => cidrContains(c, local.value))) continue;
        throw new Error(
          `${formatIP(local.value)} is already on ${stringField(link, 'ifname') ?? '?'} in the host namespace; ` +
            `the topology needs ${LAN_V4} and ${LAN_V6} to itself (if an interrupted run left it, remove it with ip link del)`,
        );
      }
    }
  }

  private async buildBridge(): Promise<void> {
    const br = this.bridge;
    await runChecked(['ip', 'link', 'add', br, 'type', 'bridge']);
    if (this.ipv6) {
      // For this bridge only: the host's address is usable at once, not after DAD.
      await writeFile(`/proc/sys/net/ipv6/conf/${br}/accept_dad`, '0');
    }
    await runChecked(['ip', 'addr', 'add', `${API_V4}/24`, 'dev', br]);
    if (this.ipv6) await runChecked(['ip', 'addr', 'add', `${API_V6}/64`, 'dev', br, 'nodad']);
    await runChecked(['ip', 'link', 'set', br, 'up']);
  }

  private async buildNamespace(plan: NamespacePlan): Promise<void> {
    const { ns, hostLink } = plan;
    const ip = (...args: string[]): Promise<string> => ipIn(ns, ...args);
    const sysctl = (...settings: string[]): Promise<string> =>
      runChecked(inNamespace(ns, ['sysctl', '-q', '-w', ...settings]));

    await runChecked(['ip', 'netns', 'add', ns]);
    await ip('link', 'set', 'lo', 'up');
    // Before eth0 exists, so it is created with DAD off; IPv6 addresses are
    // otherwise unusable for seconds.
    const nodeArp = (dev: string): string[] =>
      // Only answer ARP for addresses on the interface asked (never for a
      // Service IP on kube-lb0), and source ARP from the interface's own
      // address: the kernel must leave Service IPs to the speaker.
      plan.role === 'node'
        ? [`net.ipv4.conf.${dev}.arp_ignore=1`, `net.ipv4.conf.${dev}.arp_announce=2`]
        : [];
    await sysctl(
      'net.ipv6.conf.all.accept_dad=0',
      'net.ipv6.conf.default.accept_dad=0',
      ...nodeArp('all'),
    );
    const peer = ['peer', 'name', 'eth0', 'netns', ns];
    await runChecked(['ip', 'link', 'add', hostLink, 'type', 'veth', ...peer]);
    await runChecked(['ip', 'link', 'set', hostLink, 'master', this.bridge, 'up']);
    await sysctl('net.ipv6.conf.eth0.accept_dad=0', ...nodeArp('eth0'));
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

  private needTool(tool: NetnsTool): void {
    if (!onPath(tool)) throw new Error(toolMissing(tool));
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

/**
 * A real HashiCorp memberlist node for interop tests: builds
 * test/memberlist/go/mlpeer (Go, against Debian's memberlist source), runs
 * it, and reads the JSON lines it prints (see the comment at the top of its
 * main.go for what each line means).
 *
 * Every peer started here is killed in a root `afterEach` (and on process
 * exit), so a failing test leaves nothing running; the peer also shuts
 * itself down when its stdin closes, which covers this process being killed.
 */
import {
  execFile,
  spawn,
  type ChildProcessWithoutNullStreams,
  type ExecFileException,
} from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './paths.js';

/** The Go source of the peer. */
export const GO_PEER_SOURCE = join(ROOT, 'test', 'memberlist', 'go', 'mlpeer', 'main.go');
/** Where Debian's golang-*-dev packages put their source (a GOPATH). */
const GOCODE = '/usr/share/gocode';
const MEMBERLIST_SOURCE = join(GOCODE, 'src', 'github.com', 'hashicorp', 'memberlist');
/** Built binaries and Go's build cache; outlives the test run so reruns are instant. */
const CACHE = join(tmpdir(), 'metallb-ts-go-peer');
const PACKAGES = 'golang-go golang-github-hashicorp-memberlist-dev';

export type GoPeerBuild =
  | { ok: true; binary: string }
  /** `missing`: go or the memberlist source is not installed (skip); otherwise the build failed (a bug). */
  | { ok: false; reason: string; missing: boolean };

let build: Promise<GoPeerBuild> | undefined;

/** Builds the peer once per test run (once per main.go content across runs). */
export function ensureGoPeer(): Promise<GoPeerBuild> {
  build ??= buildGoPeer();
  return build;
}

/**
 * The environment for `go`: GOPATH mode over Debian's source tree, nothing
 * fetched from the network, our own build cache (HOME may be unset in CI),
 * and no cgo so a machine without gcc builds too.
 */
function goEnv(gopath: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: gopath,
    GOCACHE: join(CACHE, 'gocache'),
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout: number },
): Promise<{ error: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ error, stdout, stderr });
    });
  });
}

async function buildGoPeer(): Promise<GoPeerBuild> {
  const version = await run('go', ['version'], { env: goEnv(GOCODE), timeout: 30_000 });
  if (version.error !== null) {
    const why =
      version.error.code === 'ENOENT'
        ? 'the go command is not installed'
        : `go version failed: ${version.error.message}`;
    return { ok: false, missing: true, reason: `${why} (Debian: ${PACKAGES})` };
  }
  if (!existsSync(join(MEMBERLIST_SOURCE, 'memberlist.go'))) {
    return {
      ok: false,
      missing: true,
      reason: `no memberlist source at ${MEMBERLIST_SOURCE} (Debian: golang-github-hashicorp-memberlist-dev)`,
    };
  }
  const source = await readFile(GO_PEER_SOURCE);
  // The Go toolchain and the memberlist release change the binary as much as main.go does.
  const key = createHash('sha256')
    .update(source)
    .update(version.stdout)
    .update(await readFile(join(MEMBERLIST_SOURCE, 'memberlist.go')))
    .digest('hex')
    .slice(0, 16);
  const binary = join(CACHE, `mlpeer-${key}`);
  if (existsSync(binary)) return { ok: true, binary };

  await mkdir(CACHE, { recursive: true });
  const work = await mkdtemp(join(CACHE, 'build-'));
  try {
    await mkdir(join(work, 'src', 'mlpeer'), { recursive: true });
    // A copy, not a link: the binary must match the bytes that were hashed.
    await copyFile(GO_PEER_SOURCE, join(work, 'src', 'mlpeer', 'main.go'));
    const out = join(work, 'mlpeer');
    const result = await run('go', ['build', '-o', out, 'mlpeer'], {
      cwd: work,
      env: goEnv(`${work}:${GOCODE}`),
      timeout: 300_000,
    });
    if (result.error !== null) {
      const detail = (result.stderr || result.error.message).trim().split('\n').slice(-20);
      return { ok: false, missing: false, reason: `go build failed:\n${detail.join('\n')}` };
    }
    // rename is atomic: a concurrent test run sees no binary or a whole one.
    await rename(out, binary);
    return { ok: true, binary };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The peer binary for a suite's `before` hook. Skips the suite when the
 * packages are missing and this is not root; as root the test command has
 * run scripts/install-peers.sh, so missing packages are a failure there (as
 * with METALLB_TS_REQUIRE_PEERS=1). A failed build always fails.
 */
export async function goPeerOrSkip(ctx: Mocha.Context): Promise<string> {
  const result = await ensureGoPeer();
  if (result.ok) return result.binary;
  const required = process.getuid?.() === 0 || process.env['METALLB_TS_REQUIRE_PEERS'] === '1';
  if (result.missing && !required) {
    console.log(`      memberlist interop skipped: ${result.reason}`);
    ctx.skip();
  }
  const hint = result.missing ? ' (run scripts/install-peers.sh as root)' : '';
  throw new Error(`Go memberlist peer unavailable: ${result.reason}${hint}`);
}

// ---------------------------------------------------------------------------
// Events

export type GoMemberState =
  | 'alive'
  | 'suspect'
  | 'dead'
  | 'left'
  // Only when mlpeer cannot read memberlist's node table (another memberlist layout).
  | 'alive-or-suspect'
  | 'dead-or-left';

export interface GoPeerMember {
  node: string;
  addr: string;
  port: number;
  state: GoMemberState;
  /** Absent in the public-API fallback. */
  incarnation?: number;
}

/** One stdout line of mlpeer; `t` is when it was printed (Unix ms). */
export type GoPeerEvent =
  | { event: 'ready'; node: string; t: number }
  | { event: 'join' | 'update'; node: string; addr: string; port: number; t: number }
  /** A failed node (`dead`) or a graceful leave (`left`); `state` is absent in the fallback. */
  | { event: 'leave'; node: string; addr: string; port: number; state?: 'dead' | 'left'; t: number }
  | { event: 'joined'; count: number; t: number }
  | { event: 'join-error'; error: string; t: number }
  | { event: 'members'; source: 'nodes' | 'Members()'; members: GoPeerMember[]; t: number }
  | { event: 'left'; t: number };

export type GoPeerEventOf<K extends GoPeerEvent['event']> = Extract<GoPeerEvent, { event: K }>;

/** A predicate for waitFor: an event of this kind (about this node, when given). */
export function eventIs<K extends GoPeerEvent['event']>(
  kind: K,
  node?: string,
): (e: GoPeerEvent) => e is GoPeerEventOf<K> {
  const guard = (e: GoPeerEvent): e is GoPeerEventOf<K> =>
    e.event === kind && (node === undefined || ('node' in e && e.node === node));
  // waitFor quotes the predicate in its error message; say what it waits for.
  guard.toString = () => `${kind}${node === undefined ? '' : ` of ${node}`}`;
  return guard;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const STATES: readonly string[] = [
  'alive',
  'suspect',
  'dead',
  'left',
  'alive-or-suspect',
  'dead-or-left',
];

function parseMember(v: unknown): GoPeerMember | undefined {
  if (!isRecord(v)) return undefined;
  const { node, addr, port, state, incarnation } = v;
  if (typeof node !== 'string' || typeof addr !== 'string' || typeof port !== 'number') {
    return undefined;
  }
  if (typeof state !== 'string' || !STATES.includes(state)) return undefined;
  const member: GoPeerMember = { node, addr, port, state: state as GoMemberState };
  if (typeof incarnation === 'number') member.incarnation = incarnation;
  return member;
}

/** Checks a line's shape, so a test never reads a field mlpeer did not print. */
export function parseGoPeerEvent(line: string): GoPeerEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v['t'] !== 'number') return undefined;
  const t = v['t'];
  const { event, node, addr, port } = v;
  switch (event) {
    case 'ready':
      return typeof node === 'string' ? { event, node, t } : undefined;
    case 'join':
    case 'update':
    case 'leave': {
      if (typeof node !== 'string' || typeof addr !== 'string' || typeof port !== 'number') {
        return undefined;
      }
      if (event !== 'leave') return { event, node, addr, port, t };
      const state = v['state'];
      if (state === 'dead' || state === 'left') return { event, node, addr, port, state, t };
      return state === undefined ? { event, node, addr, port, t } : undefined;
    }
    case 'joined':
      return typeof v['count'] === 'number' ? { event, count: v['count'], t } : undefined;
    case 'join-error':
      return typeof v['error'] === 'string' ? { event, error: v['error'], t } : undefined;
    case 'members': {
      const { source, members } = v;
      if ((source !== 'nodes' && source !== 'Members()') || !Array.isArray(members)) {
        return undefined;
      }
      const parsed = members.map(parseMember);
      if (parsed.some((m) => m === undefined)) return undefined;
      return { event, source, members: parsed.filter((m) => m !== undefined), t };
    }
    case 'left':
      return { event, t };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------
// Processes

export interface GoPeerOptions {
  /** memberlist node name. */
  name: string;
  /** UDP and TCP port to bind and advertise (see freePort). */
  port: number;
  /** Bind and advertise address; loopback only: 127.0.0.1 (default) or ::1. */
  bind?: string;
  /** host:port addresses to join after startup. */
  join?: readonly string[];
  /** MetalLB v0.9 memberlist secret; absent or empty: no encryption. */
  secret?: string;
  /**
   * 'test' (default): SIGKILLed after the current test. 'run': for a peer a
   * suite starts in `before` and stops in its own `after`; killed at the
   * end of the run at the latest.
   */
  lifetime?: 'test' | 'run';
}

export interface GoPeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Waiter {
  matches: (e: GoPeerEvent) => boolean;
  resolve: (e: GoPeerEvent) => void;
  fail: (why: string) => void;
}

/** Kept so a test's failure message shows what the peer said last. */
const STDERR_KEEP = 200;

const running = new Set<GoPeer>();

export class GoPeer {
  readonly name: string;
  readonly bind: string;
  readonly port: number;
  readonly lifetime: 'test' | 'run';
  /** Every parsed stdout line, in order, as it arrives. */
  readonly events: GoPeerEvent[] = [];
  /** Resolves once the process has exited and all its output is read. */
  readonly exited: Promise<GoPeerExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderr: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private exit: GoPeerExit | undefined;

  constructor(binary: string, options: GoPeerOptions) {
    this.name = options.name;
    this.bind = options.bind ?? '127.0.0.1';
    this.port = options.port;
    this.lifetime = options.lifetime ?? 'test';
    const args = ['-name', this.name, '-bind', this.bind, '-port', String(this.port)];
    if (options.join !== undefined && options.join.length > 0) {
      args.push('-join', options.join.join(','));
    }
    if (options.secret !== undefined && options.secret !== '') args.push('-secret', options.secret);
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this);
    // A write to a peer that just died must not crash the test process.
    this.child.stdin.on('error', () => {});

    const echo = process.env['METALLB_TS_GO_PEER_LOG'] === '1';
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const event = parseGoPeerEvent(line);
      if (event === undefined) {
        this.note(`(unparsed stdout) ${line}`);
        return;
      }
      if (echo) process.stderr.write(`[${this.name} event] ${line}\n`);
      this.events.push(event);
      for (const w of [...this.waiters]) if (w.matches(event)) w.resolve(event);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      if (echo) process.stderr.write(`${line}\n`);
      this.note(line);
    });

    this.exited = new Promise<GoPeerExit>((resolve) => {
      // 'close', not 'exit': by then every line the peer printed has been read.
      this.child.on('close', (code, signal) => resolve({ code, signal }));
      this.child.on('error', (err) => {
        this.note(`(spawn) ${err.message}`);
        resolve({ code: null, signal: null });
      });
    }).then((exit) => {
      this.exit = exit;
      running.delete(this);
      for (const w of [...this.waiters]) w.fail(`${this.name} exited (${describeExit(exit)})`);
      return exit;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** host:port to give another node's join list. */
  get address(): string {
    return this.bind.includes(':') ? `[${this.bind}]:${this.port}` : `${this.bind}:${this.port}`;
  }

  /** The peer's last stderr lines (memberlist's log), oldest first. */
  stderrTail(count = 20): string[] {
    return this.stderr.slice(-count);
  }

  private note(line: string): void {
    this.stderr.push(line);
    if (this.stderr.length > STDERR_KEEP) this.stderr.splice(0, this.stderr.length - STDERR_KEEP);
  }

  /**
   * The first event from index `from` of `events` on (0: including those
   * already received) that matches. Rejects after `timeoutMs`, or when the
   * peer exits first, with the recent events and stderr in the message.
   */
  waitFor<E extends GoPeerEvent>(
    predicate: (e: GoPeerEvent) => e is E,
    timeoutMs: number,
    from?: number,
  ): Promise<E>;
  waitFor(
    predicate: (e: GoPeerEvent) => boolean,
    timeoutMs: number,
    from?: number,
  ): Promise<GoPeerEvent>;
  waitFor(
    predicate: (e: GoPeerEvent) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<GoPeerEvent> {
    const seen = this.events.slice(from).find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    const started = Date.now();
    return new Promise<GoPeerEvent>((resolve, reject) => {
      const waiter: Waiter = {
        matches: predicate,
        resolve: (e) => {
          settle();
          resolve(e);
        },
        fail: (why) => {
          settle();
          reject(new Error(this.explain(`${why} while waiting for ${predicate.toString()}`)));
        },
      };
      const timer = setTimeout(
        () => waiter.fail(`no match within ${Date.now() - started} ms`),
        timeoutMs,
      );
      const settle = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (this.exit !== undefined) {
        waiter.fail(`${this.name} had exited (${describeExit(this.exit)})`);
        return;
      }
      this.waiters.add(waiter);
    });
  }

  /** The peer's view of the cluster: its "members" dump (see main.go). */
  async members(timeoutMs = 5_000): Promise<GoPeerMember[]> {
    const from = this.events.length;
    this.child.stdin.write('members\n');
    const dump = await this.waitFor(eventIs('members'), timeoutMs, from);
    return dump.members;
  }

  /** Sends a signal to this peer's own pid; false when it has already exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exit !== undefined || this.child.exitCode !== null || this.child.signalCode !== null) {
      return false;
    }
    return this.child.kill(signal);
  }

  /** SIGTERM (a graceful leave), then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<GoPeerExit> {
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** `headline` followed by the peer's recent events and stderr, for failure messages. */
  explain(headline: string): string {
    const events = this.events.slice(-8).map((e) => `  ${JSON.stringify(e)}`);
    const stderr = this.stderrTail().map((l) => `  ${l}`);
    return [
      `Go peer ${this.name} (${this.address}): ${headline}`,
      'last events:',
      ...(events.length > 0 ? events : ['  (none)']),
      'last stderr lines:',
      ...(stderr.length > 0 ? stderr : ['  (none)']),
    ].join('\n');
  }
}

function describeExit(exit: GoPeerExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

/** Starts a peer; see GoPeerOptions.lifetime for when it is killed at the latest. */
export function startGoPeer(binary: string, options: GoPeerOptions): GoPeer {
  return new GoPeer(binary, options);
}

/**
 * SIGKILLs the peers still running (with `all` false only those of lifetime
 * 'test') and waits, at most 2 s, for each to be gone.
 */
export async function killAllGoPeers(all = true): Promise<void> {
  const peers = [...running].filter((peer) => all || peer.lifetime === 'test');
  for (const peer of peers) peer.kill('SIGKILL');
  await Promise.all(
    peers.map((peer) =>
      Promise.race([peer.exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]),
    ),
  );
}

// Registered when a spec file imports this module, at the top level of the
// root suite, so they run after every test (and at the end) of the whole
// run, whatever the file. Not under mocha (a script), there are no hooks.
if (typeof afterEach === 'function' && typeof after === 'function') {
  afterEach('kill leftover Go memberlist peers', () => killAllGoPeers(false));
  after('kill Go memberlist peers kept for a suite', () => killAllGoPeers(true));
}
process.on('exit', () => {
  for (const peer of running) peer.kill('SIGKILL');
});

// ---------------------------------------------------------------------------
// Ports

const handedOut = new Set<number>();

function canBindTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function canBindUdp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/**
 * A port free for both TCP and UDP on `host` (memberlist binds both). Picked
 * at random below Linux's ephemeral range (32768+), so an outgoing
 * connection cannot take it between this check and the peer's bind, and
 * never the same port twice in one run.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if ((await canBindTcp(host, port)) && (await canBindUdp(host, port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no port free for both TCP and UDP on ${host} after 200 tries`);
}

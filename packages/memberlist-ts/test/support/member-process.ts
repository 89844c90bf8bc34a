/**
 * What the two kinds of memberlist node the interop tests run have in
 * common: a child process that prints one JSON object per line on stdout
 * (the same format for both: test/go/mlpeer/main.go and
 * the `memberlist-ts` command), logs on stderr, answers a "members" line on
 * stdin, and leaves gracefully on SIGTERM.
 *
 * go-peer.ts (a real HashiCorp memberlist node) and ts-member.ts (ours)
 * build on this. Every process started here is SIGKILLed by its own pid in
 * a root `afterEach` (lifetime 'test') or `after` (lifetime 'run'), and on
 * process exit, so a failing test leaves nothing running.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

// ---------------------------------------------------------------------------
// Events

export type MemberState =
  | 'alive'
  | 'suspect'
  | 'dead'
  | 'left'
  // Only from mlpeer when it cannot read memberlist's node table (another memberlist layout).
  | 'alive-or-suspect'
  | 'dead-or-left';

/** One entry of a "members" dump. */
export interface MemberRecord {
  node: string;
  addr: string;
  port: number;
  state: MemberState;
  /** Absent in mlpeer's public-API fallback. */
  incarnation?: number;
}

/**
 * One stdout line; `t` is when it was printed (Unix ms). Fields only one
 * kind of node prints are optional: `state` and `incarnation` on join and
 * update (ours), `source` on members (mlpeer's).
 */
export type MemberEvent =
  | { event: 'ready'; node: string; t: number }
  | {
      event: 'join' | 'update';
      node: string;
      addr: string;
      port: number;
      state?: MemberState;
      incarnation?: number;
      t: number;
    }
  /** A failed node (`dead`) or a graceful leave (`left`); `state` is absent in mlpeer's fallback. */
  | {
      event: 'leave';
      node: string;
      addr: string;
      port: number;
      state?: 'dead' | 'left';
      incarnation?: number;
      t: number;
    }
  | { event: 'joined'; count: number; t: number }
  | { event: 'join-error'; error: string; t: number }
  | { event: 'members'; source?: 'nodes' | 'Members()'; members: MemberRecord[]; t: number }
  | { event: 'left'; t: number };

export type MemberEventOf<K extends MemberEvent['event']> = Extract<MemberEvent, { event: K }>;

/** A predicate for waitFor: an event of this kind (about this node, when given). */
export function eventIs<K extends MemberEvent['event']>(
  kind: K,
  node?: string,
): (e: MemberEvent) => e is MemberEventOf<K> {
  const guard = (e: MemberEvent): e is MemberEventOf<K> =>
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

function isState(v: unknown): v is MemberState {
  return typeof v === 'string' && STATES.includes(v);
}

function parseMember(v: unknown): MemberRecord | undefined {
  if (!isRecord(v)) return undefined;
  const { node, addr, port, state, incarnation } = v;
  if (typeof node !== 'string' || typeof addr !== 'string' || typeof port !== 'number') {
    return undefined;
  }
  if (!isState(state)) return undefined;
  const member: MemberRecord = { node, addr, port, state };
  if (typeof incarnation === 'number') member.incarnation = incarnation;
  return member;
}

/** Checks a line's shape, so a test never reads a field the node did not print. */
export function parseMemberEvent(line: string): MemberEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v['t'] !== 'number') return undefined;
  const t = v['t'];
  const { event, node, addr, port, state, incarnation } = v;
  switch (event) {
    case 'ready':
      return typeof node === 'string' ? { event, node, t } : undefined;
    case 'join':
    case 'update':
    case 'leave': {
      if (typeof node !== 'string' || typeof addr !== 'string' || typeof port !== 'number') {
        return undefined;
      }
      if (incarnation !== undefined && typeof incarnation !== 'number') return undefined;
      const extra = typeof incarnation === 'number' ? { incarnation } : {};
      if (event !== 'leave') {
        if (state === undefined) return { event, node, addr, port, ...extra, t };
        return isState(state) ? { event, node, addr, port, state, ...extra, t } : undefined;
      }
      if (state === 'dead' || state === 'left') {
        return { event, node, addr, port, state, ...extra, t };
      }
      return state === undefined ? { event, node, addr, port, ...extra, t } : undefined;
    }
    case 'joined':
      return typeof v['count'] === 'number' ? { event, count: v['count'], t } : undefined;
    case 'join-error':
      return typeof v['error'] === 'string' ? { event, error: v['error'], t } : undefined;
    case 'members': {
      const { source, members } = v;
      if (!Array.isArray(members)) return undefined;
      const parsed = members.map(parseMember);
      if (parsed.some((m) => m === undefined)) return undefined;
      const list = parsed.filter((m) => m !== undefined);
      if (source === undefined) return { event, members: list, t };
      if (source !== 'nodes' && source !== 'Members()') return undefined;
      return { event, source, members: list, t };
    }
    case 'left':
      return { event, t };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------
// Processes

/** 'test': SIGKILLed after the current test; 'run': after the whole run at the latest. */
export type Lifetime = 'test' | 'run';

export interface MemberExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface MemberSpawn {
  /** Says what the node is in failure messages, e.g. "Go peer". */
  label: string;
  name: string;
  bind: string;
  port: number;
  lifetime: Lifetime;
  command: string;
  args: readonly string[];
  /** Copy every stdout and stderr line to this process's stderr as it comes. */
  echo: boolean;
  /** Put before each echoed stderr line (mlpeer's log lines already start with the name). */
  echoPrefix?: string;
}

interface Waiter {
  matches: (e: MemberEvent) => boolean;
  resolve: (e: MemberEvent) => void;
  fail: (why: string) => void;
}

/** Kept so a test's failure message shows what the node said last. */
const STDERR_KEEP = 200;

const running = new Set<MemberProcess>();

export class MemberProcess {
  readonly label: string;
  readonly name: string;
  readonly bind: string;
  readonly port: number;
  readonly lifetime: Lifetime;
  /** Every parsed stdout line, in order, as it arrives. */
  readonly events: MemberEvent[] = [];
  /** Resolves once the process has exited and all its output is read. */
  readonly exited: Promise<MemberExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderr: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private exit: MemberExit | undefined;

  constructor(spec: MemberSpawn) {
    this.label = spec.label;
    this.name = spec.name;
    this.bind = spec.bind;
    this.port = spec.port;
    this.lifetime = spec.lifetime;
    this.child = spawn(spec.command, [...spec.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this);
    // A write to a node that just died must not crash the test process.
    this.child.stdin.on('error', () => {});

    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const event = parseMemberEvent(line);
      if (event === undefined) {
        this.note(`(unparsed stdout) ${line}`);
        return;
      }
      if (spec.echo) process.stderr.write(`[${this.name} event] ${line}\n`);
      this.events.push(event);
      for (const w of [...this.waiters]) if (w.matches(event)) w.resolve(event);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      if (spec.echo) process.stderr.write(`${spec.echoPrefix ?? ''}${line}\n`);
      this.note(line);
    });

    this.exited = new Promise<MemberExit>((resolve) => {
      // 'close', not 'exit': by then every line the node printed has been read.
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

  /** The node's last stderr lines (its log), oldest first. */
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
   * node exits first, with the recent events and stderr in the message.
   */
  waitFor<E extends MemberEvent>(
    predicate: (e: MemberEvent) => e is E,
    timeoutMs: number,
    from?: number,
  ): Promise<E>;
  waitFor(
    predicate: (e: MemberEvent) => boolean,
    timeoutMs: number,
    from?: number,
  ): Promise<MemberEvent>;
  waitFor(
    predicate: (e: MemberEvent) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<MemberEvent> {
    const seen = this.events.slice(from).find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    const started = Date.now();
    return new Promise<MemberEvent>((resolve, reject) => {
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

  /** The node's view of the cluster: its "members" dump, self included. */
  async members(timeoutMs = 5_000): Promise<MemberRecord[]> {
    const from = this.events.length;
    this.child.stdin.write('members\n');
    const dump = await this.waitFor(eventIs('members'), timeoutMs, from);
    return dump.members;
  }

  /** Sends a signal to this node's own pid; false when it has already exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exit !== undefined || this.child.exitCode !== null || this.child.signalCode !== null) {
      return false;
    }
    return this.child.kill(signal);
  }

  /** SIGTERM (a graceful leave), then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<MemberExit> {
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** `headline` followed by the node's recent events and stderr, for failure messages. */
  explain(headline: string): string {
    const events = this.events.slice(-8).map((e) => `  ${JSON.stringify(e)}`);
    const stderr = this.stderrTail().map((l) => `  ${l}`);
    return [
      `${this.label} ${this.name} (${this.address}): ${headline}`,
      'last events:',
      ...(events.length > 0 ? events : ['  (none)']),
      'last stderr lines:',
      ...(stderr.length > 0 ? stderr : ['  (none)']),
    ].join('\n');
  }
}

function describeExit(exit: MemberExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

/**
 * SIGKILLs the member processes still running that `which` selects (all by
 * default) and waits, at most 2 s, for each to be gone.
 */
export async function killMemberProcesses(
  which: (node: MemberProcess) => boolean = () => true,
): Promise<void> {
  const nodes = [...running].filter(which);
  for (const node of nodes) node.kill('SIGKILL');
  await Promise.all(
    nodes.map((node) =>
      Promise.race([node.exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]),
    ),
  );
}

// Registered when a spec file imports this module, at the top level of the
// root suite, so they run after every test (and at the end) of the whole
// run, whatever the file. Not under mocha (a script), there are no hooks.
if (typeof afterEach === 'function' && typeof after === 'function') {
  afterEach('kill leftover memberlist nodes', () =>
    killMemberProcesses((node) => node.lifetime === 'test'),
  );
  after('kill memberlist nodes kept for a suite', () => killMemberProcesses());
}
process.on('exit', () => {
  for (const node of running) node.kill('SIGKILL');
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

/** Whether both TCP and UDP `port` can be bound on `host` right now (memberlist binds both). */
export async function canBind(host: string, port: number): Promise<boolean> {
  return (await canBindTcp(host, port)) && (await canBindUdp(host, port));
}

/**
 * A port free for both TCP and UDP on `host` (memberlist binds both). Picked
 * at random below Linux's ephemeral range (32768+), so an outgoing
 * connection cannot take it between this check and the node's bind, and
 * never the same port twice in one run.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    if (await canBind(host, port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no port free for both TCP and UDP on ${host} after 200 tries`);
}

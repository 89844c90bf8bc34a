/**
 * dialTcp between two network namespaces joined by a veth pair (A dials,
 * B listens; 198.51.100.0/24 and 2001:db8::/64, documentation ranges), each
 * side a child process (tcp-dial-child.ts). The kernel of B checks the
 * signatures; its TcpExt counters (/proc/net/netstat, read inside B) tell
 * why a segment was dropped, and `ss -tni` shows the keys on each end of an
 * established connection. Needs root; skipped with the reason otherwise.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  createVethPair,
  destroyVethPair,
  netnsUnavailable,
  run,
  type VethPair,
} from '../support/netns-mini.js';
import type { TcpChildLine } from './tcp-dial-child.js';

const CHILD = fileURLToPath(new URL('./tcp-dial-child.js', import.meta.url));
const KEY = 'metallb-peer-password';
const SERVER_GREETING = 'greetings from B';
const CLIENT_GREETING = 'greetings from A';
/** Long enough for a connect between namespaces on a busy machine. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a dial that must not connect is given. */
const REFUSED_WITHIN_MS = 2_000;

/** A child process in a namespace, its stdout read as JSON lines. */
class Child {
  readonly lines: TcpChildLine[] = [];
  readonly exited: Promise<unknown>;
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #stderr: string[] = [];

  constructor(ns: string, args: string[]) {
    // `ip netns exec` execs the command, so this pid is the node process itself.
    this.#process = spawn('ip', ['netns', 'exec', ns, 'node', CHILD, ...args]);
    this.exited = once(this.#process, 'exit');
    createInterface({ input: this.#process.stdout }).on('line', (text) => {
      this.lines.push(JSON.parse(text) as TcpChildLine);
    });
    this.#process.stderr.on('data', (data: Buffer) => this.#stderr.push(data.toString('utf8')));
  }

  /** The first line that `pick` maps to a value, waiting up to `ms`. */
  async waitFor<T>(
    pick: (line: TcpChildLine) => T | undefined,
    ms: number,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const line of this.lines) {
        const value = pick(line);
        if (value !== undefined) return value;
      }
      if (Date.now() > deadline || this.#process.exitCode !== null) {
        throw new Error(
          `no ${what} within ${ms} ms; lines: ${JSON.stringify(this.lines)}; stderr: ${this.#stderr.join('')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Everything received so far, chunks joined. */
  received(): string {
    return this.lines.map((line) => ('received' in line ? line.received : '')).join('');
  }

  accepted(): number {
    return this.lines.filter((line) => 'accepted' in line).length;
  }

  /** Ends stdin (the child closes its sockets and exits), then kills it by pid if it lingers. */
  async stop(): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    this.#process.stdin.end();
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
  }
}

const MD5_COUNTERS = ['TCPMD5NotFound', 'TCPMD5Unexpected', 'TCPMD5Failure'] as const;
type Md5Counters = Record<(typeof MD5_COUNTERS)[number], number>;

/**
 * The RFC 2385 drop counters of namespace `ns` (TcpExt in /proc/net/netstat,
 * a header line of names and a line of values; proc(5)): a segment without a
 * signature where one was expected (NotFound), with one where none was
 * (Unexpected), or with a wrong one (Failure).
 */
async function md5Counters(ns: string): Promise<Md5Counters> {
  const result = await run('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netstat']);
  if (result.code !== 0)
    throw new Error(`cannot read /proc/net/netstat in ${ns}: ${result.stderr}`);
  const [names, values] = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('TcpExt:'))
    .map((line) => line.trim().split(/\s+/).slice(1));
  if (names === undefined || values === undefined) throw new Error('no TcpExt lines');
  const counters: Partial<Md5Counters> = {};
  for (const name of MD5_COUNTERS) {
    const at = names.indexOf(name);
    if (at < 0) throw new Error(`no ${name} counter in TcpExt`);
    counters[name] = Number(values[at]);
  }
  return counters as Md5Counters;
}

/** `ss -tni` of the established connections in `ns`. */
async function established(ns: string): Promise<string> {
  const result = await run('ip', ['netns', 'exec', ns, 'ss', '-tni', 'state', 'established']);
  if (result.code !== 0) throw new Error(`ss failed in ${ns}: ${result.stderr}`);
  return result.stdout;
}

function listeningPort(line: TcpChildLine): number | undefined {
  return 'listening' in line ? line.listening : undefined;
}

function failure(line: TcpChildLine): string | undefined {
  return 'failed' in line ? line.failed : undefined;
}

describe('dialTcp across network namespaces (TCP MD5 on the wire)', function () {
  this.timeout(60_000);
  let pair: VethPair | undefined;
  const children: Child[] = [];

  before(async function () {
    const reason = await netnsUnavailable();
    if (reason !== undefined) {
      console.log(`      TCP dial namespace tests skipped: ${reason}`);
      this.skip();
    }
    pair = await createVethPair({ ipv4: ['198.51.100.1', '198.51.100.2'] });
  });

  afterEach(async function () {
    await Promise.all(children.splice(0).map((child) => child.stop()));
  });

  after(async function () {
    if (pair !== undefined) await destroyVethPair(pair);
  });

  function sides(): VethPair {
    if (pair === undefined) throw new Error('no namespaces');
    return pair;
  }

  function start(ns: string, args: string[]): Child {
    const child = new Child(ns, args);
    children.push(child);
    return child;
  }

  /** A listener in B, keyed for `peer` when `key` is given; its port. */
  async function listenInB(
    host: string,
    peer: string,
    key: string | undefined,
  ): Promise<{ listener: Child; port: number }> {
    const listener = start(sides().b.ns, ['listen', host, peer, key ?? '-', SERVER_GREETING]);
    const port = await listener.waitFor(listeningPort, 10_000, 'listening');
    return { listener, port };
  }

  function dialFromA(
    host: string,
    port: number,
    key: string | undefined,
    timeoutMs: number,
  ): Child {
    const { a } = sides();
    const local = host.includes(':') ? a.ipv6 : a.ipv4;
    const args = ['dial', host, String(port), key ?? '-', local, String(timeoutMs)];
    return start(a.ns, [...args, CLIENT_GREETING]);
  }

  it('connects with the right key; both ends hold the key; no segment was dropped', async function () {
    const { a, b } = sides();
    const { listener, port } = await listenInB(b.ipv4, a.ipv4, KEY);
    const before = await md5Counters(b.ns);
    const dialer = dialFromA(b.ipv4, port, KEY, CONNECT_TIMEOUT_MS);
    const connected = await dialer.waitFor(
      (line) => ('connected' in line ? line.connected : undefined),
      CONNECT_TIMEOUT_MS + 5_000,
      'connected',
    );
    expect(connected).to.include({ localAddress: a.ipv4, remoteAddress: b.ipv4, remotePort: port });
    const accepted = await listener.waitFor(
      (line) => ('accepted' in line ? line.accepted : undefined),
      5_000,
      'accepted',
    );
    expect(accepted).to.deep.equal({ remoteAddress: a.ipv4, remotePort: connected.localPort });
    // Data segments are signed too: B's kernel would drop them otherwise.
    await dialer.waitFor(
      () => (dialer.received() === SERVER_GREETING ? true : undefined),
      5_000,
      'B greeting',
    );
    await listener.waitFor(
      () => (listener.received() === CLIENT_GREETING ? true : undefined),
      5_000,
      'A greeting',
    );
    // ss prints the peers a socket has keys for (never the keys).
    expect(await established(a.ns)).to.include(`md5keys:${b.ipv4}/32`);
    expect(await established(b.ns)).to.include(`md5keys:${a.ipv4}/32`);
    expect(await md5Counters(b.ns)).to.deep.equal(before);
  });

  it('a wrong key: ETIMEDOUT, nothing accepted, and B counts bad signatures (TCPMD5Failure)', async function () {
    const { a, b } = sides();
    const { listener, port } = await listenInB(b.ipv4, a.ipv4, KEY);
    const before = await md5Counters(b.ns);
    const dialer = dialFromA(b.ipv4, port, `${KEY}!`, REFUSED_WITHIN_MS);
    expect(await dialer.waitFor(failure, REFUSED_WITHIN_MS + 10_000, 'failure')).to.equal(
      'ETIMEDOUT',
    );
    const after = await md5Counters(b.ns);
    expect(after.TCPMD5Failure, 'signed with another key').to.be.above(before.TCPMD5Failure);
    expect(after.TCPMD5NotFound).to.equal(before.TCPMD5NotFound);
    expect(listener.accepted()).to.equal(0);
  });

  it('no key: ETIMEDOUT, and B counts unsigned segments from a keyed peer (TCPMD5NotFound)', async function () {
    const { a, b } = sides();
    const { listener, port } = await listenInB(b.ipv4, a.ipv4, KEY);
    const before = await md5Counters(b.ns);
    const dialer = dialFromA(b.ipv4, port, undefined, REFUSED_WITHIN_MS);
    expect(await dialer.waitFor(failure, REFUSED_WITHIN_MS + 10_000, 'failure')).to.equal(
      'ETIMEDOUT',
    );
    const after = await md5Counters(b.ns);
    expect(after.TCPMD5NotFound, 'unsigned SYNs').to.be.above(before.TCPMD5NotFound);
    expect(after.TCPMD5Failure).to.equal(before.TCPMD5Failure);
    expect(listener.accepted()).to.equal(0);
  });

  it('the SYN carries a signature: a listener without a key counts it (TCPMD5Unexpected)', async function () {
    const { a, b } = sides();
    const { listener, port } = await listenInB(b.ipv4, a.ipv4, undefined);
    const before = await md5Counters(b.ns);
    const dialer = dialFromA(b.ipv4, port, KEY, REFUSED_WITHIN_MS);
    expect(await dialer.waitFor(failure, REFUSED_WITHIN_MS + 10_000, 'failure')).to.equal(
      'ETIMEDOUT',
    );
    const after = await md5Counters(b.ns);
    expect(after.TCPMD5Unexpected, 'signed SYNs').to.be.above(before.TCPMD5Unexpected);
    expect(listener.accepted()).to.equal(0);
  });

  it('connects over IPv6 with the right key', async function () {
    const { a, b } = sides();
    const { listener, port } = await listenInB(b.ipv6, a.ipv6, KEY);
    const dialer = dialFromA(b.ipv6, port, KEY, CONNECT_TIMEOUT_MS);
    const connected = await dialer.waitFor(
      (line) => ('connected' in line ? line.connected : undefined),
      CONNECT_TIMEOUT_MS + 5_000,
      'connected',
    );
    expect(connected).to.include({ localAddress: a.ipv6, remoteAddress: b.ipv6, remotePort: port });
    await listener.waitFor(
      () => (listener.received() === CLIENT_GREETING ? true : undefined),
      5_000,
      'A greeting',
    );
    expect(await established(a.ns)).to.include(`md5keys:${b.ipv6}/128`);
  });

  it('rejects EHOSTUNREACH when no host answers ARP for the peer', async function () {
    // 198.51.100.9 is on the veth's subnet but nobody has it: after the
    // neighbour probes (3 by default, 1 s apart) connect() fails.
    const dialer = dialFromA('198.51.100.9', 179, KEY, 20_000);
    const line = await dialer.waitFor(
      (candidate) => ('failed' in candidate ? candidate : undefined),
      30_000,
      'failure',
    );
    expect(line.failed, line.message).to.equal('EHOSTUNREACH');
    expect(line.message).to.equal('connect EHOSTUNREACH 198.51.100.9:179');
  });
});

/**
 * The process side of the router harness, shared by every router kind:
 * starting a daemon as a plain child process (in a network namespace when
 * asked, never under systemd), keeping the end of its output for failure
 * messages, stopping it by its own pid, and running the routers' command
 * line tools with a time limit.
 *
 * Every daemon and temporary folder made here is registered; stopAll() ends
 * them all (for a test's `after`), and a process 'exit' hook SIGKILLs what
 * is left and removes the folders, so a crashed test run leaves nothing
 * behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inNamespace, mustRun, runAccepting } from '../../../src/netns/index.js';

/** Enough of a daemon's output to see why it failed, small enough to print. */
const OUTPUT_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 3_000;
const TOOL_TIMEOUT_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface DaemonOptions {
  /** For messages: 'bird', 'frr zebra', ... */
  label: string;
  argv: readonly string[];
  netns?: string;
}

/** One long-running router process. */
export class Daemon {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private exitNote = '';

  constructor(readonly options: DaemonOptions) {}

  start(): void {
    if (this.running()) throw new Error(`${this.options.label} is already running`);
    const { argv, netns } = this.options;
    // `ip netns exec` execs the command in place: the child's pid is the daemon's.
    const full = netns === undefined ? [...argv] : inNamespace(netns, argv);
    const [file, ...args] = full;
    if (file === undefined) throw new Error(`${this.options.label}: empty command`);
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exitNote = '';
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.exitNote = `could not start: ${error.message}`;
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exitNote = `exited (${signal ?? `code ${code ?? '?'}`})`;
        resolve();
      });
    });
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  pid(): number {
    const pid = this.child?.pid;
    if (!this.running() || pid === undefined) {
      throw new Error(`${this.options.label} is not running ${this.exitNote}`.trim());
    }
    return pid;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running()) this.child?.kill(signal);
  }

  /** SIGTERM, and SIGCONT in case it is paused (a stopped process does not act on SIGTERM); SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (!this.running()) return;
    this.signal('SIGTERM');
    this.signal('SIGCONT');
    const exited = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS)]);
    if (!exited) {
      this.signal('SIGKILL');
      await Promise.race([this.exited, sleep(STOP_GRACE_MS)]);
    }
  }

  /** The end of what it printed, and how it ended if it did. */
  text(): string {
    const note = this.running()
      ? ''
      : `\n[${this.options.label} ${this.exitNote || 'not started'}]`;
    return `${this.output}${note}`;
  }

  /** For the exit hook: nothing asynchronous runs there. */
  killNow(): void {
    this.signal('SIGKILL');
  }
}

// ---------------------------------------------------------------------------
// Cleanup of everything still around when the process ends

const live = new Set<Daemon>();
const folders = new Set<string>();

process.on('exit', () => {
  for (const daemon of live) daemon.killNow();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh private folder for one router's config, sockets and pid files. */
export function makeFolder(kind: string): string {
  const folder = mkdtempSync(join(tmpdir(), `metallb-ts-${kind}-`));
  folders.add(folder);
  return folder;
}

export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}

/** The end of a log file, or '' when there is none (yet, or any more). */
export function readTail(path: string, limit = 32 * 1024): string {
  try {
    return readFileSync(path, 'utf8').slice(-limit);
  } catch {
    return '';
  }
}

/** Stops every daemon still running (each by its own pid). */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...live].map((daemon) => daemon.stop()));
}

// ---------------------------------------------------------------------------
// Tools

/** Runs a command line tool (no shell); its stdout, or an error quoting the command and its stderr. */
export function runTool(argv: readonly string[], timeoutMs = TOOL_TIMEOUT_MS): Promise<string> {
  return mustRun(argv, timeoutMs);
}

/** runTool(), keeping stderr too (for tools that report problems there and still exit 0). */
export async function runToolOutput(
  argv: readonly string[],
  timeoutMs = TOOL_TIMEOUT_MS,
): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await runAccepting(argv, ({ code }) => code === 0, timeoutMs);
  return { stdout, stderr };
}

/** A TCP port nothing listens on right now on `host` (the kernel's pick). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Waits until `probe` (a query on the daemon's control socket) succeeds;
 * undefined then, or why not: the daemon exited (no point waiting on), or
 * it did not answer within timeoutMs.
 */
export async function waitAnswering(
  daemon: Daemon,
  probe: () => Promise<unknown>,
  timeoutMs: number,
): Promise<string | undefined> {
  let exited = false;
  const answered = await poll(async () => {
    if (!daemon.running()) return (exited = true);
    await probe();
    return true;
  }, timeoutMs);
  if (exited) return 'exited before it answered';
  return answered ? undefined : `did not answer on its control socket in ${timeoutMs} ms`;
}

/** Polls `probe` until it resolves true, for at most `timeoutMs`; false when it never did. */
export async function poll(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

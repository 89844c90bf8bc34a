/**
 * memberlist failure detection and footprint. Prints figures; asserts
 * nothing. Run: npm run bench (or node dist/bench/memberlist.js after a
 * build). Everything stays on 127.0.0.1.
 *
 * 1. SIGKILL to "dead": clusters of `metallb-ts memberlist` processes (and
 *    Go memberlist peers, packages/memberlist-ts/test/go/mlpeer, in the mixed ones) on
 *    loopback. Each run starts a cluster, waits until every member sees
 *    every other alive, waits a random 0-1 s, SIGKILLs one member and
 *    waits (at most 30 s) until every survivor reports it dead. "first" and
 *    "last" are the times from the kill to the first and to the last
 *    survivor's leave event with state "dead" (the `t` each member prints).
 *    Several runs go at once; they share this machine's cores.
 * 2. 50 Memberlist instances in this process, default timings: time until
 *    all 50 see 50 alive, then after 30 s of settling, process CPU time per
 *    second of wall time and RSS over a further window.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Memberlist, NodeState } from 'memberlist-ts';
import { ensureGoPeer, freePort, startGoPeer, type GoPeer } from 'memberlist-ts/testing';

const RUNS = 5;
/** Clusters running at once in part 1. */
const PARALLEL = 3;
const CONVERGE_CAP_MS = 30_000;
const DEAD_CAP_MS = 30_000;
const IN_PROCESS = 50;
const SETTLE_MS = 30_000;
const MEASURE_MS = 15_000;
const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

// ---------------------------------------------------------------------------
// Members in child processes (ours and Go's), one line format

interface Line {
  readonly event: string;
  readonly node?: string;
  readonly state?: string;
  readonly t: number;
}

interface Proc {
  readonly kind: 'ts' | 'go';
  readonly name: string;
  readonly port: number;
  readonly address: string;
  readonly pid: number | undefined;
  lines(): readonly Line[];
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<unknown>;
  tail(): string;
}

function asLine(value: unknown): Line | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['event'] !== 'string' || typeof v['t'] !== 'number') return undefined;
  return {
    event: v['event'],
    t: v['t'],
    ...(typeof v['node'] === 'string' ? { node: v['node'] } : {}),
    ...(typeof v['state'] === 'string' ? { state: v['state'] } : {}),
  };
}

/** Every child this bench started and has not seen exit, killed by pid on the way out. */
const children = new Set<Proc>();

function startTs(name: string, port: number, join: string | undefined, fast: boolean): Proc {
  const args = [main, 'memberlist', '--name', name, '--bind', `127.0.0.1:${port}`];
  if (join !== undefined) args.push('--join', join);
  if (fast) args.push('--fast');
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined);
  const lines: Line[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      const line = asLine(JSON.parse(text));
      if (line !== undefined) lines.push(line);
    } catch {
      stderr.push(`(stdout) ${text}`);
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => {
    stderr.push(text);
    if (stderr.length > 20) stderr.shift();
  });
  const exited = new Promise<unknown>((resolve) => {
    child.once('close', resolve);
    child.once('error', resolve);
  });
  const proc: Proc = {
    kind: 'ts',
    name,
    port,
    address: `127.0.0.1:${port}`,
    pid: child.pid,
    lines: () => lines,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
    tail: () => stderr.slice(-5).join('\n'),
  };
  children.add(proc);
  void exited.then(() => children.delete(proc));
  return proc;
}

function startGo(binary: string, name: string, port: number, join: string | undefined): Proc {
  const peer: GoPeer = startGoPeer(binary, {
    name,
    port,
    ...(join !== undefined ? { join: [join] } : {}),
    lifetime: 'run',
  });
  const proc: Proc = {
    kind: 'go',
    name,
    port,
    address: peer.address,
    pid: peer.pid,
    lines: () => peer.events.map((e) => asLine(e)).filter((l) => l !== undefined),
    kill: (signal) => void peer.kill(signal),
    exited: peer.exited,
    tail: () => peer.stderrTail(5).join('\n'),
  };
  children.add(proc);
  void peer.exited.then(() => children.delete(proc));
  return proc;
}

function killAllChildren(): void {
  for (const proc of children) proc.kill('SIGKILL');
}
process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

/** Polls `check` every 50 ms until it returns a value or `capMs` passes. */
async function poll<T>(check: () => T | undefined, capMs: number): Promise<T | undefined> {
  const until = Date.now() + capMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() >= until) return undefined;
    await sleep(50);
  }
}

/** When `proc` last came to see all `others` other members alive (its line's `t`), if it has. */
function sawAllAt(proc: Proc, others: number): number | undefined {
  const alive = new Set<string>();
  let at: number | undefined;
  for (const line of proc.lines()) {
    if (line.node === undefined || line.node === proc.name) continue;
    if (line.event === 'join') alive.add(line.node);
    else if (line.event === 'leave') alive.delete(line.node);
    else continue;
    at = alive.size === others ? (at ?? line.t) : undefined;
  }
  return at;
}

/** The other members `proc` currently believes alive, from its join and leave lines. */
function aliveSeenBy(proc: Proc): Set<string> {
  const alive = new Set<string>();
  for (const line of proc.lines()) {
    if (line.node === undefined || line.node === proc.name) continue;
    if (line.event === 'join') alive.add(line.node);
    else if (line.event === 'leave') alive.delete(line.node);
  }
  return alive;
}

// ---------------------------------------------------------------------------
// Part 1: SIGKILL to dead

interface Case {
  readonly label: string;
  /** Member kinds in start order; the first is the one the others join. */
  readonly kinds: readonly ('ts' | 'go')[];
  readonly fast: boolean;
  /** Which kind to kill on run i. */
  readonly victim: (run: number) => 'ts' | 'go';
}

interface RunResult {
  readonly label: string;
  readonly victim: string;
  /** ms from the kill to the first and last survivor's "dead"; undefined when a survivor timed out. */
  readonly first?: number;
  readonly last?: number;
  readonly error?: string;
  /** Survivors that said "left" for the killed member (should never happen). */
  readonly leftInsteadOfDead: number;
  /** From the first spawn to the last member's "ready", and from there to everyone seeing everyone. */
  readonly startMs?: number;
  readonly convergeMs?: number;
}

async function oneRun(c: Case, run: number, goBinary: string | undefined): Promise<RunResult> {
  const procs: Proc[] = [];
  const victimKind = c.victim(run);
  try {
    const ports: number[] = [];
    for (let i = 0; i < c.kinds.length; i++) ports.push(await freePort());
    const start = Date.now();
    const make = (kind: 'ts' | 'go', i: number, join: string | undefined): Proc => {
      const name = `${kind}${i}-r${run}`;
      const port = ports[i] ?? 0;
      if (kind === 'go') {
        if (goBinary === undefined) throw new Error('no Go peer');
        return startGo(goBinary, name, port, join);
      }
      return startTs(name, port, join, c.fast);
    };
    const [seedKind, ...restKinds] = c.kinds;
    const seed = make(seedKind ?? 'ts', 0, undefined);
    procs.push(seed);
    const ready = await poll(
      () => (seed.lines().some((l) => l.event === 'ready') ? true : undefined),
      CONVERGE_CAP_MS,
    );
    if (!ready) throw new Error(`${seed.name} never got ready: ${seed.tail()}`);
    restKinds.forEach((kind, j) => procs.push(make(kind, j + 1, seed.address)));
    const others = procs.length - 1;
    const converged = await poll(
      () => (procs.every((p) => aliveSeenBy(p).size === others) ? true : undefined),
      CONVERGE_CAP_MS,
    );
    if (!converged) {
      const views = procs.map((p) => `${p.name} sees ${[...aliveSeenBy(p)].join(',')}`);
      throw new Error(`no convergence in ${CONVERGE_CAP_MS} ms: ${views.join('; ')}`);
    }
    const readyAt = Math.max(
      ...procs.map((p) => p.lines().find((l) => l.event === 'ready')?.t ?? start),
    );
    const sawAll = Math.max(...procs.map((p) => sawAllAt(p, others) ?? Date.now()));
    const startMs = readyAt - start;
    const convergeMs = Math.max(0, sawAll - readyAt);
    await sleep(Math.random() * 1_000);

    const candidates = procs.filter((p) => p.kind === victimKind);
    const victim = candidates[Math.floor(Math.random() * candidates.length)];
    if (victim === undefined) throw new Error(`no ${victimKind} member to kill`);
    const survivors = procs.filter((p) => p !== victim);
    const marks = new Map(survivors.map((p) => [p, p.lines().length]));
    const killAt = Date.now();
    victim.kill('SIGKILL');

    const afterKill = (p: Proc): Line[] =>
      p
        .lines()
        .slice(marks.get(p) ?? 0)
        .filter((l) => l.event === 'leave' && l.node === victim.name);
    const deadAt = await poll(() => {
      const times: number[] = [];
      for (const p of survivors) {
        const seen = afterKill(p).find((l) => l.state === 'dead' || l.state === undefined);
        if (seen === undefined) return undefined;
        times.push(seen.t);
      }
      return times;
    }, DEAD_CAP_MS);
    const leftInsteadOfDead = survivors.filter((p) =>
      afterKill(p).some((l) => l.state === 'left'),
    ).length;
    if (deadAt === undefined) {
      const missing = survivors.filter((p) => afterKill(p).length === 0).map((p) => p.name);
      return {
        label: c.label,
        victim: victim.kind,
        error: `not dead at ${missing.join(', ')} within ${DEAD_CAP_MS} ms`,
        leftInsteadOfDead,
        startMs,
        convergeMs,
      };
    }
    return {
      label: c.label,
      victim: victim.kind,
      first: Math.min(...deadAt) - killAt,
      last: Math.max(...deadAt) - killAt,
      leftInsteadOfDead,
      startMs,
      convergeMs,
    };
  } catch (error) {
    return {
      label: c.label,
      victim: victimKind,
      error: error instanceof Error ? error.message : String(error),
      leftInsteadOfDead: 0,
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => Promise.race([p.exited, sleep(3_000)])));
  }
}

/** Runs the tasks `width` at a time, in order. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i];
      if (task !== undefined) results[i] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const seconds = (ms: number | undefined): string =>
  ms === undefined ? '-' : (ms / 1000).toFixed(2);

async function killToDead(): Promise<void> {
  const build = await ensureGoPeer();
  const goBinary = build.ok ? build.binary : undefined;
  const alternate = (run: number): 'ts' | 'go' => (run % 2 === 0 ? 'ts' : 'go');
  const cases: Case[] = [
    { label: 'TS x3, default', kinds: ['ts', 'ts', 'ts'], fast: false, victim: () => 'ts' },
    {
      label: 'TS x5, default',
      kinds: ['ts', 'ts', 'ts', 'ts', 'ts'],
      fast: false,
      victim: () => 'ts',
    },
    { label: 'TS x3, --fast', kinds: ['ts', 'ts', 'ts'], fast: true, victim: () => 'ts' },
    {
      label: 'TS x5, --fast',
      kinds: ['ts', 'ts', 'ts', 'ts', 'ts'],
      fast: true,
      victim: () => 'ts',
    },
  ];
  if (goBinary !== undefined) {
    cases.push(
      { label: 'mixed 2 TS + 1 Go', kinds: ['ts', 'ts', 'go'], fast: false, victim: alternate },
      {
        label: 'mixed 3 TS + 2 Go',
        kinds: ['ts', 'ts', 'ts', 'go', 'go'],
        fast: false,
        victim: alternate,
      },
    );
  } else {
    console.log(`mixed clusters skipped: Go peer unavailable (${build.ok ? '' : build.reason})`);
  }
  // Interleaved, so the clusters running at once are of different cases.
  const tasks: (() => Promise<RunResult>)[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const c of cases) tasks.push(() => oneRun(c, run, goBinary));
  }
  console.log(
    `SIGKILL -> dead at the survivors: ${cases.length} cases x ${RUNS} runs, ` +
      `${PARALLEL} clusters at once on ${availableParallelism()} cores (they share them)`,
  );
  const started = Date.now();
  const results = await pool(tasks, PARALLEL);
  const rows = cases.map((c) => {
    const mine = results.filter((r) => r.label === c.label);
    const ok = mine.filter((r) => r.first !== undefined && r.last !== undefined);
    const firsts = ok.map((r) => r.first ?? 0);
    const lasts = ok.map((r) => r.last ?? 0);
    const killed = mine.map((r) => r.victim).join(',');
    const medianOf = (pick: (r: RunResult) => number | undefined): number | undefined =>
      median(mine.flatMap((r) => (pick(r) === undefined ? [] : [pick(r) ?? 0])));
    return [
      c.label,
      `${ok.length}/${mine.length}`,
      seconds(median(firsts)),
      seconds(firsts.length > 0 ? Math.max(...firsts) : undefined),
      seconds(median(lasts)),
      seconds(lasts.length > 0 ? Math.max(...lasts) : undefined),
      seconds(medianOf((r) => r.startMs)),
      seconds(medianOf((r) => r.convergeMs)),
      killed,
      String(mine.reduce((n, r) => n + r.leftInsteadOfDead, 0)),
    ];
  });
  printTable(
    [
      'case',
      'runs ok',
      'first med s',
      'first max s',
      'last med s',
      'last max s',
      'start med s',
      'converge med s',
      'killed',
      '"left"',
    ],
    rows,
  );
  console.log(
    '  first/last: kill -> first/last survivor\'s "dead" line; start: spawn -> all "ready";\n' +
      '  converge: all ready -> everyone sees everyone; "left": survivors that said left, not dead',
  );
  for (const r of results) if (r.error !== undefined) console.log(`  ${r.label}: ${r.error}`);
  console.log(`  (part 1 took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(`  ${line(header)}`);
  for (const r of rows) console.log(`  ${line(r)}`);
}

// ---------------------------------------------------------------------------
// Part 2: 50 members in this process

async function inProcess(): Promise<void> {
  console.log(`\n${IN_PROCESS} Memberlist instances in this process, default timings`);
  const members: Memberlist[] = [];
  let leavesDuringSteadyState = 0;
  let counting = false;
  try {
    const baselineRss = process.memoryUsage().rss;
    for (let i = 0; i < IN_PROCESS; i++) {
      const port = await freePort();
      const member = await Memberlist.create({
        name: `m${i}`,
        bindAddr: '127.0.0.1',
        bindPort: port,
      });
      member.on('leave', () => {
        if (counting) leavesDuringSteadyState += 1;
      });
      members.push(member);
    }
    const [seed, ...rest] = members;
    if (seed === undefined) throw new Error('no members');
    const seedEndpoint = seed.bound;
    const joinStart = performance.now();
    const joins = await Promise.all(rest.map((m) => m.join([seedEndpoint])));
    const failed = joins.filter((j) => j.joined === 0).length;
    const allAlive = (): boolean =>
      members.every(
        (m) => m.members().filter((x) => x.state === NodeState.alive).length === IN_PROCESS,
      );
    const converged = await poll(() => (allAlive() ? true : undefined), 60_000);
    const convergeMs = performance.now() - joinStart;

    await sleep(SETTLE_MS);
    counting = true;
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    let maxRss = 0;
    const sampler = setInterval(() => {
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }, 500);
    await sleep(MEASURE_MS);
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpuBefore);
    const wall = performance.now() - wallBefore;
    counting = false;
    const rss = process.memoryUsage().rss;
    maxRss = Math.max(maxRss, rss);
    const stillAll = allAlive();

    const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    printTable(
      ['figure', 'value'],
      [
        ['joins that failed', `${failed} of ${rest.length}`],
        [
          'time until all 50 see 50 alive',
          converged ? `${(convergeMs / 1000).toFixed(2)} s` : 'not within 60 s',
        ],
        [
          `CPU per wall second (${MEASURE_MS / 1000} s window after ${SETTLE_MS / 1000} s settle)`,
          `${(((cpu.user + cpu.system) / 1000 / wall) * 1000).toFixed(1)} ms/s ` +
            `(user ${(cpu.user / 1000 / (wall / 1000)).toFixed(1)}, system ${(cpu.system / 1000 / (wall / 1000)).toFixed(1)})`,
        ],
        ['RSS at steady state (end / max in window)', `${mib(rss)} / ${mib(maxRss)}`],
        ['RSS before creating the members', mib(baselineRss)],
        ['leave events during the window', String(leavesDuringSteadyState)],
        ['all still see 50 alive at the end', stillAll ? 'yes' : 'no'],
      ],
    );
  } finally {
    await Promise.all(members.map((m) => m.shutdown()));
  }
}

// ---------------------------------------------------------------------------

const benchStart = Date.now();
try {
  await killToDead();
  await inProcess();
} finally {
  killAllChildren();
}
console.log(`\nmemberlist bench: ${((Date.now() - benchStart) / 1000).toFixed(0)} s in all`);

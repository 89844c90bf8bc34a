/**
 * One gossip member on its own, printing what it sees as JSON lines: the
 * `memberlist-ts` command, and `metallb-ts memberlist`, which is this under
 * another name. For looking into a cluster of MetalLB v0.9 speakers (it
 * joins them like one more speaker would), and for the interop tests, whose
 * Go peer (test/go/mlpeer) prints the same lines.
 */
import { parseArgs } from 'node:util';
import { formatAddr, parseEndpoint, type Endpoint } from './address.js';
import { FAST_TIMINGS, LAN_TIMINGS } from './options.js';
import { Memberlist } from './memberlist.js';
import { Keyring, v09SecretKey } from './security.js';
import type { Member } from './state.js';
import { NodeState } from './types.js';

/** Where the command writes; a test or a host program passes its own. */
export interface CommandIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The help text, under the name the command is run as (`program`). */
export function memberCommandUsage(program: string): string {
  return `Usage: ${program} --name NAME --bind ADDR:PORT [--join ADDR:PORT,...] [--secret S]

Runs one memberlist member (the gossip MetalLB v0.9 speakers use to know
which nodes are alive) and prints each change as a JSON line on stdout:
  {"event":"ready"|"join"|"leave"|"update"|"joined"|"join-error"|"members"|"left", ...}
A line "members" on stdin prints every member it knows with its state.
SIGTERM or SIGINT leaves the cluster gracefully (within 1 s) and exits.

  --name NAME        member name (a v0.9 speaker uses its node name)
  --bind ADDR:PORT   address and port for both UDP and TCP (v0.9: 7946)
  --join LIST        members to join, ADDR:PORT separated by commas
  --secret S         the memberlist secret (METALLB_ML_SECRET_KEY); keyed as v0.9 does
  --fast             faster failure detection, when no member is a Go memberlist node
  --verbose          log debug lines on stderr
  -h, --help         show this help
`;
}

const STATE_NAMES: Record<NodeState, string> = {
  [NodeState.alive]: 'alive',
  [NodeState.suspect]: 'suspect',
  [NodeState.dead]: 'dead',
  [NodeState.left]: 'left',
};

function describe(member: Member): Record<string, string | number> {
  return {
    node: member.name,
    addr: formatAddr(member.addr),
    port: member.port,
    state: STATE_NAMES[member.state],
    incarnation: member.incarnation,
  };
}

/** Runs the command line `args`; resolves to the exit status once the member has left. */
export async function memberCommand(
  args: readonly string[],
  io: CommandIO,
  program = 'memberlist-ts',
): Promise<number> {
  const usage = memberCommandUsage(program);
  let values: {
    name?: string;
    bind?: string;
    join?: string;
    secret?: string;
    fast: boolean;
    verbose: boolean;
    help: boolean;
  };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        name: { type: 'string' },
        bind: { type: 'string' },
        join: { type: 'string' },
        secret: { type: 'string' },
        fast: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(`${program}: ${errorText(error)}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (!values.name || !values.bind) {
    io.stderr(`${program}: --name and --bind are required\n\n${usage}`);
    return 2;
  }
  const bind = parseEndpoint(values.bind, 7946);
  if (typeof bind === 'string') {
    io.stderr(`${program}: --bind ${bind}\n`);
    return 2;
  }
  const peers: Endpoint[] = [];
  for (const text of (values.join ?? '').split(',').filter((t) => t.trim() !== '')) {
    const peer = parseEndpoint(text, bind.port);
    if (typeof peer === 'string') {
      io.stderr(`${program}: --join ${peer}\n`);
      return 2;
    }
    peers.push(peer);
  }
  const key = v09SecretKey(values.secret ?? '');
  const print = (fields: Record<string, unknown>): void =>
    io.stdout(`${JSON.stringify({ ...fields, t: Date.now() })}\n`);
  const verbose = values.verbose;

  let member: Memberlist;
  try {
    member = await Memberlist.create({
      name: values.name,
      bindAddr: formatAddr(bind.addr),
      bindPort: bind.port,
      keyring: key ? new Keyring([key]) : null,
      timings: values.fast ? FAST_TIMINGS : LAN_TIMINGS,
      log: (level, message, fields) => {
        if (level === 'debug' && !verbose) return;
        io.stderr(
          `${JSON.stringify({ ts: new Date().toISOString(), level, msg: message, ...fields })}\n`,
        );
      },
    });
  } catch (error) {
    io.stderr(`${program}: cannot bind ${values.bind}: ${errorText(error)}\n`);
    return 1;
  }
  for (const kind of ['join', 'leave', 'update'] as const) {
    member.on(kind, (m: Member) => print({ event: kind, ...describe(m) }));
  }
  print({
    event: 'ready',
    node: member.name,
    addr: formatAddr(member.bound.addr),
    port: member.bound.port,
  });

  if (peers.length > 0) {
    const result = await member.join(peers);
    if (result.joined > 0) print({ event: 'joined', count: result.joined });
    else {
      print({ event: 'join-error', error: result.errors.join('; ') });
      io.stderr(
        `${JSON.stringify({ ts: new Date().toISOString(), level: 'warn', msg: 'join failed', member: member.name, errors: result.errors })}\n`,
      );
    }
  }

  const printMembers = (): void =>
    print({ event: 'members', members: member.members().map((m) => describe(m)) });
  const onLine = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim() === 'members') printMembers();
  };
  process.stdin.on('data', onLine);
  process.stdin.resume();

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  process.stdin.off('data', onLine);
  process.stdin.destroy();
  await member.leave(1_000);
  print({ event: 'left', signal });
  return 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `metallb-ts memberlist`: one gossip member on its own, printing what it
 * sees as JSON lines. For looking into a cluster of v0.9 speakers (it joins
 * them like one more speaker would), and for the interop tests.
 */
import { parseArgs } from 'node:util';
import {
  FAST_TIMINGS,
  formatAddr,
  Keyring,
  LAN_TIMINGS,
  Memberlist,
  NodeState,
  parseEndpoint,
  v09SecretKey,
  type Endpoint,
  type Member,
} from '../memberlist/index.js';
import type { CliIO } from './io.js';

export const MEMBERLIST_USAGE = `Usage: metallb-ts memberlist --name NAME --bind ADDR:PORT [--join ADDR:PORT,...] [--secret S]

Runs one memberlist member (the gossip MetalLB v0.9 speakers use to know
which nodes are alive) and prints each change as a JSON line on stdout:
  {"event":"ready"|"join"|"leave"|"update"|"joined"|"join-error"|"members"|"left", ...}
A line "members" on stdin prints every member it knows with its state.
SIGTERM or SIGINT leaves the cluster gracefully (within 1 s) and exits.

  --name NAME        member name (a v0.9 speaker uses its node name)
  --bind ADDR:PORT   address and port for both UDP and TCP (v0.9: 7946)
  --join LIST        members to join, ADDR:PORT separated by commas
  --secret S         the memberlist secret (METALLB_ML_SECRET_KEY); keyed as v0.9 does
  --fast             faster failure detection, for clusters of metallb-ts only
  --verbose          log debug lines on stderr
  -h, --help         show this help
`;

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

export async function memberlistCommand(args: readonly string[], io: CliIO): Promise<number> {
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
    io.stderr(`metallb-ts memberlist: ${errorText(error)}\n\n${MEMBERLIST_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(MEMBERLIST_USAGE);
    return 0;
  }
  if (!values.name || !values.bind) {
    io.stderr(`metallb-ts memberlist: --name and --bind are required\n\n${MEMBERLIST_USAGE}`);
    return 2;
  }
  const bind = parseEndpoint(values.bind, 7946);
  if (typeof bind === 'string') {
    io.stderr(`metallb-ts memberlist: --bind ${bind}\n`);
    return 2;
  }
  const peers: Endpoint[] = [];
  for (const text of (values.join ?? '').split(',').filter((t) => t.trim() !== '')) {
    const peer = parseEndpoint(text, bind.port);
    if (typeof peer === 'string') {
      io.stderr(`metallb-ts memberlist: --join ${peer}\n`);
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
    io.stderr(`metallb-ts memberlist: cannot bind ${values.bind}: ${errorText(error)}\n`);
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

/**
 * How both daemons live as commands: flags read as v0.9's Go flag package
 * reads them (go-flags.ts) or refused, cluster access,
 * `/metrics`, `/healthz` and `/readyz` on the port, JSON log lines, and on
 * SIGTERM or SIGINT a logged, clean stop.
 */
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Log } from '../daemon/index.js';
import { clusterAccess, type ApiClient } from '../k8s/index.js';
import { newRegistry } from '../metrics/index.js';
import { serveDaemonEndpoints } from './endpoints.js';
import { parseGoFlags, type GoFlagSpecs, type GoFlagValues } from './go-flags.js';
import type { CliIO } from './io.js';

/** JSON log lines with a timestamp, as v0.9's go-kit logger wrote them. */
export function jsonLog(write: (line: string) => void): Log {
  return (fields) => write(`${JSON.stringify({ ts: new Date().toISOString(), ...fields })}\n`);
}

/** How a daemon command starts its daemon, and what it logs when a signal stops it. */
export interface DaemonLaunch {
  readonly start: () => Promise<{ stop(): Promise<void> }>;
  /** The `msg` of the `op: shutdown` line. */
  readonly stopping: string;
}

/**
 * `metallb-ts COMMAND` for a daemon: the flags in `options`, read as Go's
 * flag package reads them (exit 2 and the usage for flags it does not take,
 * 0 after `-h` or `--help`; arguments after the first that is not a flag
 * are ignored, as v0.9 ignores them, with a line on stderr), JSON log lines
 * on stdout, then `launch` (or the exit code it gives for flags it refuses)
 * run until SIGTERM or SIGINT.
 */
export async function daemonCommand<const O extends GoFlagSpecs>(
  command: string,
  usage: string,
  args: readonly string[],
  io: CliIO,
  options: O,
  launch: (flags: GoFlagValues<O>, log: Log) => DaemonLaunch | number,
): Promise<number> {
  const parsed = parseGoFlags(args, options);
  if (parsed.kind === 'help') {
    io.stdout(usage);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr(`metallb-ts ${command}: ${parsed.message}\n\n${usage}`);
    return 2;
  }
  if (parsed.rest.length > 0)
    io.stderr(
      `metallb-ts ${command}: ignoring ${JSON.stringify(parsed.rest)}: flags end at the first argument that is not one, as in v0.9\n`,
    );
  const log = jsonLog(io.stdout);
  const launched = launch(parsed.values, log);
  if (typeof launched === 'number') return launched;
  return runUntilSignalled(command, io, launched.start, () =>
    log({ op: 'shutdown', msg: launched.stopping }),
  );
}

/** Where a daemon finds its cluster and serves its endpoints. */
export interface DaemonPlace {
  readonly port: number;
  readonly host?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
}

/** What both daemons are to the command that runs them. */
export interface Daemon {
  readonly ready: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The daemon, and what else stopping must close after it (the speaker's senders). */
export interface DaemonParts<D extends Daemon> {
  readonly daemon: D;
  readonly close?: () => Promise<void>;
}

export interface RunningDaemon<D extends Daemon> {
  readonly daemon: D;
  readonly server: Server;
  /** The port /metrics listens on. */
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Connects to the cluster, lets `create` build the daemon (and what it
 * sends through), serves its endpoints, logs the start-up line (`op:
 * startup` and `startup`'s fields) and starts it. Stopping stops the
 * daemon, closes the API connections, then `close` (the daemon's own
 * senders), then the endpoints.
 */
export async function startDaemon<D extends Daemon>(
  place: DaemonPlace,
  log: Log,
  create: (
    access: { readonly api: ApiClient; readonly namespace: string },
    registry: Registry,
  ) => DaemonParts<D> | Promise<DaemonParts<D>>,
  startup: (namespace: string, port: number) => Record<string, string | number | boolean>,
): Promise<RunningDaemon<D>> {
  const access = await clusterAccess({
    ...(place.kubeconfig === undefined ? {} : { kubeconfig: place.kubeconfig }),
    ...(place.namespace === undefined ? {} : { namespace: place.namespace }),
  });
  const registry = newRegistry();
  const { daemon, close } = await create(access, registry);
  const endpoints = await serveDaemonEndpoints({
    registry,
    ready: () => daemon.ready,
    port: place.port,
    ...(place.host === undefined ? {} : { host: place.host }),
  });
  log({ op: 'startup', ...startup(access.namespace, endpoints.port) });
  await daemon.start();
  return {
    daemon,
    server: endpoints.server,
    port: endpoints.port,
    stop: async () => {
      await daemon.stop();
      access.api.close();
      await close?.();
      await endpoints.close();
    },
  };
}

/**
 * How every long-running command lives: start, or say why it cannot and
 * exit 1; then serve until SIGTERM or SIGINT, log the shutdown, stop.
 */
async function runUntilSignalled(
  command: string,
  io: CliIO,
  start: () => Promise<{ stop(): Promise<void> }>,
  onSignal: () => void,
): Promise<number> {
  let running: { stop(): Promise<void> };
  try {
    running = await start();
  } catch (error) {
    io.stderr(
      `metallb-ts ${command}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  onSignal();
  await running.stop();
  return 0;
}

/**
 * `metallb-ts controller`: the controller daemon, with v0.9's flags
 * (`--config`, `--port`) plus `--kubeconfig` and `--namespace` for running
 * outside a cluster. Serves `/metrics`, `/healthz` and `/readyz` on the port;
 * logs JSON lines; stops cleanly on SIGTERM and SIGINT.
 */
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { ControllerDaemon, type Log } from '../controller/index.js';
import { clusterAccess, type BackoffOptions } from '../k8s/index.js';
import { allocatorMetrics, k8sClientMetrics, newRegistry } from '../metrics/index.js';
import { serveDaemonEndpoints } from './endpoints.js';
import { runUntilSignalled } from './daemon-run.js';
import type { CliIO } from './io.js';

export const CONTROLLER_USAGE = `Usage: metallb-ts controller [--config NAME] [--port N] [--kubeconfig FILE] [--namespace NS]

Assigns addresses to LoadBalancer Services from the pools of the MetalLB v0.9
ConfigMap, as the v0.9 controller does.

  --config NAME      the ConfigMap to read (default: config)
  --port N           port of /metrics, /healthz and /readyz (default: 7472; 0 picks one)
  --kubeconfig FILE  run outside the cluster (default: in-cluster, or KUBECONFIG)
  --namespace NS     the namespace of the ConfigMap (default: the service account's)
  -h, --help         show this help
`;

export interface RunningController {
  readonly daemon: ControllerDaemon;
  readonly server: Server;
  /** The port /metrics listens on. */
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts a controller; `log` receives its JSON log lines. */
export async function startController(
  options: {
    configName: string;
    port: number;
    host?: string;
    kubeconfig?: string;
    namespace?: string;
    backoff?: BackoffOptions;
  },
  log: Log,
): Promise<RunningController> {
  const access = await clusterAccess({
    ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  const registry = newRegistry();
  const daemon = new ControllerDaemon({
    api: access.api,
    namespace: access.namespace,
    configName: options.configName,
    log,
    metrics: { k8s: k8sClientMetrics(registry), allocator: allocatorMetrics(registry) },
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  });
  const endpoints = await serveDaemonEndpoints({
    registry,
    ready: () => daemon.ready,
    port: options.port,
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  const server = endpoints.server;
  log({
    op: 'startup',
    msg: 'controller starting',
    namespace: access.namespace,
    config: options.configName,
    port: endpoints.port,
  });
  await daemon.start();
  return {
    daemon,
    server,
    port: endpoints.port,
    stop: async () => {
      await daemon.stop();
      access.api.close();
      await endpoints.close();
    },
  };
}

/** JSON log lines with a timestamp, as v0.9's go-kit logger wrote them. */
export function jsonLog(write: (line: string) => void): Log {
  return (fields) => write(`${JSON.stringify({ ts: new Date().toISOString(), ...fields })}\n`);
}

export async function controllerCommand(args: readonly string[], io: CliIO): Promise<number> {
  let values: {
    config: string;
    port: string;
    kubeconfig?: string;
    namespace?: string;
    help: boolean;
  };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string', default: 'config' },
        port: { type: 'string', default: '7472' },
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(
      `metallb-ts controller: ${error instanceof Error ? error.message : String(error)}\n\n${CONTROLLER_USAGE}`,
    );
    return 2;
  }
  if (values.help) {
    io.stdout(CONTROLLER_USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`metallb-ts controller: --port must be a port number\n`);
    return 2;
  }
  const log = jsonLog(io.stdout);
  return runUntilSignalled(
    'controller',
    io,
    () =>
      startController(
        {
          configName: values.config,
          port,
          ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
          ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
        },
        log,
      ),
    () => log({ op: 'shutdown', msg: 'stopping' }),
  );
}

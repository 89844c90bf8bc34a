/**
 * `metallb-ts controller`: the controller daemon, with v0.9's flags
 * (`--config`, `--port`) plus `--kubeconfig` and `--namespace` for running
 * outside a cluster. Serves `/metrics`, `/healthz` and `/readyz` on the port;
 * logs JSON lines; stops cleanly on SIGTERM and SIGINT.
 */
import { ControllerDaemon } from '../controller/index.js';
import type { Log } from '../daemon/index.js';
import type { BackoffOptions } from '../k8s/index.js';
import { allocatorMetrics, k8sClientMetrics } from '../metrics/index.js';
import { daemonCommand, startDaemon, type DaemonPlace, type RunningDaemon } from './daemon-run.js';
import type { GoFlagSpecs } from './go-flags.js';
import type { CliIO } from './io.js';

export const CONTROLLER_USAGE = `Usage: metallb-ts controller [--config NAME] [--port N] [--kubeconfig FILE] [--namespace NS]

Assigns addresses to LoadBalancer Services from the pools of the MetalLB v0.9
ConfigMap, as the v0.9 controller does. Flags are read as v0.9 reads them
(Go's flag package): -port 7472, -port=7472 and --port 7472 alike.

  --config NAME      the ConfigMap to read (default: config)
  --port N           port of /metrics, /healthz and /readyz (default: 7472; 0 picks one)
  --kubeconfig FILE  run outside the cluster (default: in-cluster, or KUBECONFIG)
  --namespace NS     the namespace of the ConfigMap (default: the service account's)
  -h, --help         show this help
`;

export type RunningController = RunningDaemon<ControllerDaemon>;

/** Starts a controller; `log` receives its JSON log lines. */
export function startController(
  options: DaemonPlace & { configName: string; backoff?: BackoffOptions },
  log: Log,
): Promise<RunningController> {
  return startDaemon(
    options,
    log,
    (access, registry) => ({
      daemon: new ControllerDaemon({
        api: access.api,
        namespace: access.namespace,
        configName: options.configName,
        log,
        metrics: { k8s: k8sClientMetrics(registry), allocator: allocatorMetrics(registry) },
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      }),
    }),
    (namespace, port) => ({
      msg: 'controller starting',
      namespace,
      config: options.configName,
      port,
    }),
  );
}

/** The controller's flags, read as Go's flag package reads them (go-flags.ts). */
export const CONTROLLER_FLAGS = {
  // v0.9.6 controller/main.go: -port (int, 7472) and -config (string, "config").
  config: { type: 'string', default: 'config' },
  port: { type: 'int', default: 7472 },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
} as const satisfies GoFlagSpecs;

export function controllerCommand(args: readonly string[], io: CliIO): Promise<number> {
  return daemonCommand(
    'controller',
    CONTROLLER_USAGE,
    args,
    io,
    CONTROLLER_FLAGS,
    (values, log) => {
      const port = values.port;
      if (port < 0 || port > 65535) {
        io.stderr(`metallb-ts controller: --port must be a port number\n`);
        return 2;
      }
      return {
        start: () =>
          startController(
            {
              configName: values.config,
              port,
              ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
              ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
            },
            log,
          ),
        stopping: 'stopping',
      };
    },
  );
}

/**
 * `metallb-ts lab`: try metallb-ts without a cluster. An embedded
 * Kubernetes API on 127.0.0.1, MetalLB's `config` ConfigMap with a layer2
 * pool, the controller, and a few sample Services that get their addresses;
 * kubectl against the printed kubeconfig sees it all. `--api-only` starts the
 * API alone. Serves until interrupted. (The speakers join in a later step.)
 */
import * as k8s from '@kubernetes/client-node';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { reuseConnections } from '../k8s/index.js';
import { Lab } from '../lab/index.js';
import { jsonLog, startController, type RunningController } from './controller.js';
import type { CliIO } from './io.js';

export const LAB_USAGE = `Usage: metallb-ts lab [--port N] [--kubeconfig-out FILE] [--api-only]

Starts an embedded Kubernetes API server on 127.0.0.1 with MetalLB's config
(a layer2 pool in 192.0.2.0/24), the controller and three sample Services,
and writes a kubeconfig: kubectl works against it as against a cluster.

  --port N               listen on port N (default: a free port)
  --kubeconfig-out FILE  write the kubeconfig there (default: a private temporary file)
  --api-only             start the API alone: no config, controller or Services
  -h, --help             show this help
`;

const DEMO_NAMESPACE = 'metallb-system';
/** A layer2 pool in a documentation range: nothing outside the lab is ever addressed. */
const DEMO_CONFIG = `address-pools:
- name: demo
  protocol: layer2
  addresses:
  - 192.0.2.0/24
`;
const DEMO_SERVICES: k8s.V1Service[] = [
  {
    metadata: { name: 'web' },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  },
  {
    metadata: { name: 'dns-tcp', annotations: { 'metallb.universe.tf/allow-shared-ip': 'dns' } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'dns' },
      ports: [{ port: 53, protocol: 'TCP' }],
    },
  },
  {
    metadata: { name: 'dns-udp', annotations: { 'metallb.universe.tf/allow-shared-ip': 'dns' } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'dns' },
      ports: [{ port: 53, protocol: 'UDP' }],
    },
  },
];

export interface RunningLab {
  readonly lab: Lab;
  readonly controller: RunningController | undefined;
  stop(): Promise<void>;
}

/** Fills the lab with the demo: config, controller, Services; resolves when they have addresses. */
async function startDemo(lab: Lab, io: CliIO): Promise<RunningController> {
  const kc = reuseConnections(new k8s.KubeConfig());
  kc.loadFromFile(lab.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: DEMO_NAMESPACE } } });
  await core.createNamespacedConfigMap({
    namespace: DEMO_NAMESPACE,
    body: { metadata: { name: 'config' }, data: { config: DEMO_CONFIG } },
  });
  const logPath = join(lab.workDir, 'controller.log');
  const logFile = createWriteStream(logPath, { flags: 'a' });
  const controller = await startController(
    {
      configName: 'config',
      port: 0,
      host: '127.0.0.1',
      kubeconfig: lab.kubeconfigPath,
      namespace: DEMO_NAMESPACE,
    },
    jsonLog((line) => logFile.write(line)),
  );
  for (const service of DEMO_SERVICES)
    await core.createNamespacedService({ namespace: 'default', body: service });
  const deadline = Date.now() + 10_000;
  let services: k8s.V1Service[] = [];
  while (Date.now() < deadline) {
    services = (await core.listNamespacedService({ namespace: 'default' })).items;
    if (services.every((s) => (s.status?.loadBalancer?.ingress?.length ?? 0) > 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rows = services.map((s) => [
    `default/${s.metadata?.name ?? ''}`,
    s.status?.loadBalancer?.ingress?.[0]?.ip ?? '<pending>',
    (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(','),
  ]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[['SERVICE', 'EXTERNAL-IP', 'PORTS'], ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('   ')
      .trimEnd();
  io.stdout(
    [
      `controller running (metrics: http://127.0.0.1:${controller.port}/metrics, log: ${logPath})`,
      `config: ConfigMap ${DEMO_NAMESPACE}/config, pool "demo" = 192.0.2.0/24 (layer2)`,
      '',
      line(['SERVICE', 'EXTERNAL-IP', 'PORTS']),
      ...rows.map(line),
      '',
    ].join('\n'),
  );
  return controller;
}

/** Starts the lab (and the demo); resolves once it is serving. */
export async function startLab(
  args: readonly string[],
  io: CliIO,
): Promise<{ code: number; running?: RunningLab }> {
  let values: { port?: string; 'kubeconfig-out'?: string; 'api-only': boolean; help: boolean };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
        'api-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(
      `metallb-ts lab: ${error instanceof Error ? error.message : String(error)}\n\n${LAB_USAGE}`,
    );
    return { code: 2 };
  }
  if (values.help) {
    io.stdout(LAB_USAGE);
    return { code: 0 };
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`metallb-ts lab: --port must be a port number, not ${JSON.stringify(values.port)}\n`);
    return { code: 2 };
  }
  let lab: Lab;
  try {
    lab = await Lab.start({
      port,
      ...(values['kubeconfig-out'] === undefined
        ? {}
        : { kubeconfigPath: values['kubeconfig-out'] }),
    });
  } catch (error) {
    io.stderr(
      `metallb-ts lab: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return { code: 2 };
  }
  io.stdout(
    [
      `lab API serving on ${lab.serverUrl}`,
      `kubeconfig: ${lab.kubeconfigPath}`,
      `  or: export KUBECONFIG=${lab.kubeconfigPath}`,
      '',
    ].join('\n'),
  );
  let controller: RunningController | undefined;
  if (!values['api-only']) {
    try {
      controller = await startDemo(lab, io);
    } catch (error) {
      io.stderr(
        `metallb-ts lab: the demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await lab.stop();
      return { code: 1 };
    }
  }
  io.stdout(`try: kubectl --kubeconfig ${lab.kubeconfigPath} get svc -A\nstop with Ctrl-C\n`);
  return {
    code: 0,
    running: {
      lab,
      controller,
      stop: async () => {
        await controller?.stop();
        await lab.stop();
      },
    },
  };
}

export async function labCommand(args: readonly string[], io: CliIO): Promise<number> {
  const started = await startLab(args, io);
  const running = started.running;
  if (running === undefined) return started.code;
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.stop();
  io.stdout('lab stopped\n');
  return 0;
}

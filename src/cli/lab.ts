/**
 * `metallb-ts lab [--port N] [--kubeconfig-out FILE]`: an embedded
 * Kubernetes API on 127.0.0.1 to try metallb-ts without a cluster. Serves
 * until interrupted. (The controller and speakers join it in later steps.)
 */
import { parseArgs } from 'node:util';
import { Lab } from '../lab/index.js';
import type { CliIO } from './io.js';

export const LAB_USAGE = `Usage: metallb-ts lab [--port N] [--kubeconfig-out FILE]

Starts an embedded Kubernetes API server on 127.0.0.1 and writes a kubeconfig
for it; kubectl and client libraries work against it as against a cluster.

  --port N               listen on port N (default: a free port)
  --kubeconfig-out FILE  write the kubeconfig there (default: a private temporary file)
  -h, --help             show this help
`;

/** Starts the lab; resolves once it is serving, with a function that stops it. */
export async function startLab(
  args: readonly string[],
  io: CliIO,
): Promise<{ code: number; lab?: Lab }> {
  let values: { port?: string; 'kubeconfig-out'?: string; help: boolean };
  try {
    values = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
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
      `try: kubectl --kubeconfig ${lab.kubeconfigPath} get namespaces`,
      `  or: export KUBECONFIG=${lab.kubeconfigPath}`,
      'stop with Ctrl-C',
      '',
    ].join('\n'),
  );
  return { code: 0, lab };
}

export async function labCommand(args: readonly string[], io: CliIO): Promise<number> {
  const started = await startLab(args, io);
  const lab = started.lab;
  if (lab === undefined) return started.code;
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await lab.stop();
  io.stdout('lab stopped\n');
  return 0;
}

/**
 * The machine's kubectl, run against a lab without blocking the process
 * that serves the lab. Tests skip themselves when it is missing.
 */
import { execFile, spawnSync } from 'node:child_process';

export const KUBECTL: string | null =
  spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0
    ? 'kubectl'
    : null;

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type KubectlRun = (args: readonly string[], input?: string) => Promise<KubectlResult>;

/**
 * A runner for one kubeconfig, with its own HOME (kubectl caches discovery
 * per server under ~/.kube/cache) and a working directory.
 */
export function kubectlRunner(kubeconfig: string, home: string, cwd?: string): KubectlRun {
  return (args, input) =>
    new Promise((resolve) => {
      const child = execFile(
        KUBECTL ?? 'kubectl',
        ['--kubeconfig', kubeconfig, ...args],
        {
          encoding: 'utf8',
          env: { ...process.env, HOME: home, KUBECONFIG: '' },
          timeout: 30_000,
          ...(cwd === undefined ? {} : { cwd }),
        },
        (error, stdout, stderr) =>
          resolve({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
            stdout,
            stderr,
          }),
      );
      child.stdin?.end(input ?? '');
    });
}

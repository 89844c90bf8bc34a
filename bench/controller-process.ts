/**
 * The controller as the benchmarks run it: its own process, with the Node
 * flags of the container image's ENTRYPOINT, so that its figures (time,
 * RSS) are the shipped one's and the lab's work in the bench process is
 * not counted in them; and the lab it runs against.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiClient } from '../src/k8s/index.js';
import { Lab } from '../src/lab/index.js';
import { labApi } from '../test/support/lab-api.js';

const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** The Node flags the container image runs the daemons with (its ENTRYPOINT). */
export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '[]';
  return (JSON.parse(entrypoint) as string[]).filter((word) => word.startsWith('--'));
}

/** A process's resident set from the kernel, in MiB: now (VmRSS) or its peak (VmHWM). */
export function rssMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/**
 * The CPU time a process has used so far (user and system, /proc/PID/stat
 * fields 14 and 15, in clock ticks of 1/100 s on Linux), in seconds: on a
 * shared machine, steadier than wall time.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `metallb-ts controller` against the lab's kubeconfig, its /metrics on a
 * port of its choosing; with `logs: 'pipe'` its JSON log lines are on the
 * child's stdout.
 */
export function spawnController(
  kubeconfig: string,
  namespace: string,
  logs: 'ignore' | 'pipe',
): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...imageNodeFlags(),
      main,
      'controller',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      namespace,
      '--port',
      '0',
    ],
    { stdio: ['ignore', logs, 'inherit'] },
  );
}

/** Where the benchmarks' controller reads its ConfigMap. */
export const BENCH_NAMESPACE = 'metallb-system';

/**
 * A lab with the namespace and a `config` of one /18 pool (16,384
 * addresses in 198.18.0.0/15, the benchmarking range: nothing is sent
 * there), and our own client for it: the bench's requests share the lab's
 * process, and client-node's model serializer would cost the lab more CPU
 * than the requests themselves.
 */
export async function benchLab(): Promise<{ readonly lab: Lab; readonly api: ApiClient }> {
  const lab = await Lab.start();
  const api = labApi(lab);
  await api.request('POST', '/api/v1/namespaces', {
    body: { metadata: { name: BENCH_NAMESPACE } },
  });
  const config =
    'address-pools:\n- name: bench\n  protocol: layer2\n  addresses: [198.18.0.0/18]\n';
  await api.request('POST', `/api/v1/namespaces/${BENCH_NAMESPACE}/configmaps`, {
    body: { metadata: { name: 'config' }, data: { config } },
  });
  return { lab, api };
}

/**
 * How a container's process sees its service account: in a pod, client-go
 * (and src/k8s/in-cluster.ts) read the token, CA and namespace at
 * /var/run/secrets/kubernetes.io/serviceaccount. The lab has no container
 * image to put them in, so each process starts in a mount namespace of its
 * own (unshare(1)) where a fresh tmpfs covers /var/run, as a container has
 * its own, and the pod's service-account folder is bind-mounted at that
 * path; nothing changes outside the process. As root that is
 * `unshare --mount`; otherwise `unshare --user --map-root-user --mount`,
 * which needs unprivileged user namespaces (most distributions allow them).
 * `unshare` and `sh` exec the program, so the process's pid is the
 * program's and signals reach it directly. Where util-linux has setpriv,
 * the program also gets a parent-death signal (prctl PR_SET_PDEATHSIG,
 * kept across exec): if the lab's process dies without stopping its Pods,
 * even by SIGKILL, the kernel kills them.
 */
export const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Mounts, then execs the program: $1 is the service-account folder, the rest the argv. */
const MOUNT_SCRIPT = [
  'set -e',
  'run=$(readlink -f /var/run)',
  'mount -t tmpfs -o mode=0755 lab-pod "$run"',
  `mkdir -p ${SERVICE_ACCOUNT_PATH}`,
  `mount --bind "$1" ${SERVICE_ACCOUNT_PATH}`,
  'shift',
  'if command -v setpriv >/dev/null; then exec setpriv --pdeathsig KILL -- "$@"; fi',
  'exec "$@"',
].join('\n');

/** The argv that runs `argv` with `serviceAccountDir` mounted where a pod finds its service account. */
export function withServiceAccount(
  argv: readonly string[],
  serviceAccountDir: string,
  isRoot: boolean,
): string[] {
  return [
    'unshare',
    ...(isRoot ? [] : ['--user', '--map-root-user']),
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    MOUNT_SCRIPT,
    'lab-pod',
    serviceAccountDir,
    ...argv,
  ];
}

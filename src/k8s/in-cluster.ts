/**
 * The API server as a pod sees it: the kubelet sets KUBERNETES_SERVICE_HOST
 * and KUBERNETES_SERVICE_PORT and mounts the pod's service account (token,
 * CA and namespace) at a fixed path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeconfigError, type ApiEndpoint } from './kubeconfig.js';

/** Where a pod finds its service account, under the root. */
const SERVICE_ACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';

/**
 * In a pod: the Service's host and port (an IPv6 host in brackets), the
 * service account's CA, its token as a file to re-read (bound tokens
 * rotate, so a copy would expire), and its namespace. Undefined when not in
 * a pod: the host or port unset (client-go asks for both), or no namespace
 * file. Always https, as client-go does.
 */
export function inClusterEndpoint(
  env: NodeJS.ProcessEnv,
  root: string,
): { endpoint: ApiEndpoint; namespace: string } | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const dir = join(root, SERVICE_ACCOUNT_DIR);
  const namespaceFile = join(dir, 'namespace');
  if (!host || !port || !existsSync(namespaceFile)) return undefined;
  const caFile = join(dir, 'ca.crt');
  const tokenFile = join(dir, 'token');
  if (!existsSync(tokenFile))
    throw new KubeconfigError(`${tokenFile}: the service account has no token`);
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch (error) {
    throw new KubeconfigError(`${caFile}: cannot read the service account's CA (${String(error)})`);
  }
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    endpoint: {
      server: `https://${bracketed}:${port}`,
      ca,
      tokenFile,
      insecureSkipTlsVerify: false,
    },
    namespace: readFileSync(namespaceFile, 'utf8').trim(),
  };
}

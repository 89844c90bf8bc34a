/** The kubeconfig that points kubectl and client libraries at the lab. */
import { writeFileSync } from 'node:fs';

export function kubeconfigText(
  server: string,
  token: string,
  caPem: string,
  namespace = 'default',
): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: lab',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    '- name: lab',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: lab',
    '  context:',
    '    cluster: lab',
    '    user: lab',
    `    namespace: ${namespace}`,
    'current-context: lab',
    '',
  ].join('\n');
}

/** Written readable by its owner only: it holds the token. */
export function writeKubeconfig(
  path: string,
  server: string,
  token: string,
  caPem: string,
  namespace = 'default',
): void {
  writeFileSync(path, kubeconfigText(server, token, caPem, namespace), { mode: 0o600 });
}

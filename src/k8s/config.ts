/**
 * Where the API server is and which namespace is ours: in a cluster, the
 * service account (v0.9 ran in-cluster only); outside, `--kubeconfig` or
 * KUBECONFIG, as users of kubectl expect.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** Where a pod finds its service account (token, CA and namespace). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ClusterAccess {
  readonly kubeConfig: KubeConfig;
  /** The namespace the daemon works in (where the config ConfigMap lives). */
  readonly namespace: string;
}

export interface AccessOptions {
  /** `--kubeconfig`: wins over everything else. */
  readonly kubeconfig?: string;
  /** `--namespace`: wins over the service account's and the context's. */
  readonly namespace?: string;
  /**
   * Prefix of the service account's directory, for tests: client-node's
   * in-cluster loader reads `<root>/var/run/secrets/...` too. Default ''.
   */
  readonly root?: string;
}

/**
 * In a pod (KUBERNETES_SERVICE_HOST set and a service account mounted,
 * KUBECONFIG unset): the API server's Service, the account's token and CA,
 * the pod's namespace. Otherwise `--kubeconfig`, KUBECONFIG or
 * ~/.kube/config, as kubectl does.
 */
export function clusterAccess(options: AccessOptions): ClusterAccess {
  const kubeConfig = new KubeConfig();
  const root = options.root ?? '';
  const namespaceFile = `${root}${SERVICE_ACCOUNT_DIR}/namespace`;
  const inCluster =
    process.env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(namespaceFile);
  if (options.kubeconfig !== undefined) kubeConfig.loadFromFile(options.kubeconfig);
  else if (process.env['KUBECONFIG'] === undefined && inCluster) kubeConfig.loadFromCluster(root);
  else kubeConfig.loadFromDefault();
  const namespace =
    options.namespace ??
    (inCluster ? readFileSync(namespaceFile, 'utf8').trim() : undefined) ??
    kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ??
    'default';
  return { kubeConfig: reuseConnections(kubeConfig), namespace };
}

type AgentFactory = (cluster: unknown, options: Record<string, unknown>) => unknown;

/**
 * client-node 1.4 builds a new HTTPS agent for every request, so every
 * request pays a TLS handshake (4 ms each against the lab, more against a
 * remote API server). This keeps one keep-alive agent per distinct set of
 * TLS options instead. The method is private in client-node's types, hence
 * the cast; a missing method (another client-node version) leaves the
 * KubeConfig as it was.
 */
export function reuseConnections(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createAgent?: AgentFactory };
  const original = target.createAgent?.bind(kubeConfig);
  if (original === undefined) return kubeConfig;
  const agents = new Map<string, unknown>();
  target.createAgent = (cluster, options) => {
    const key = agentKey(cluster, options);
    let agent = agents.get(key);
    if (agent === undefined) {
      agent = original(cluster, { ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
  return kubeConfig;
}

/**
 * What tells two agents apart: the cluster and the TLS options, which hold
 * the CA, client certificate and key as text or Buffers. Buffers are keyed
 * by their base64 text: JSON would spell every byte as a number, which cost
 * more than the request itself (a tenth of the controller's CPU at 10,000
 * Services).
 */
function agentKey(cluster: unknown, options: Record<string, unknown>): string {
  const text = (value: unknown): unknown =>
    Buffer.isBuffer(value)
      ? `base64:${value.toString('base64')}`
      : Array.isArray(value)
        ? value.map(text)
        : value;
  const flat: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) flat[name] = text(value);
  return JSON.stringify([cluster, flat]);
}

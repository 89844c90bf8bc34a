/**
 * Where the API server is and which namespace is ours: in a cluster, the
 * service account (v0.9 ran in-cluster only); outside, `--kubeconfig` or
 * KUBECONFIG, as users of kubectl expect.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface ClusterAccess {
  readonly kubeConfig: KubeConfig;
  /** The namespace the daemon works in (where the config ConfigMap lives). */
  readonly namespace: string;
}

export function clusterAccess(options: { kubeconfig?: string; namespace?: string }): ClusterAccess {
  const kubeConfig = new KubeConfig();
  const inCluster =
    process.env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(SERVICE_ACCOUNT_NAMESPACE);
  if (options.kubeconfig !== undefined) kubeConfig.loadFromFile(options.kubeconfig);
  else if (process.env['KUBECONFIG'] === undefined && inCluster) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  const namespace =
    options.namespace ??
    (inCluster ? readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() : undefined) ??
    kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ??
    'default';
  return { kubeConfig, namespace };
}

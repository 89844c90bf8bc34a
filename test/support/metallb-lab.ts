/**
 * The fixture the controller tests share: a lab with the metallb-system
 * namespace and a `config` ConfigMap, a client for it, and a controller
 * started against it.
 */
import * as k8s from '@kubernetes/client-node';
import { startController, type RunningController } from '../../src/cli/controller.js';
import type { Log } from '../../src/daemon/index.js';
import { reuseConnections, type BackoffOptions } from '../../src/k8s/index.js';
import { Lab, type LabOptions } from '../../src/lab/index.js';

export const METALLB_NAMESPACE = 'metallb-system';

export interface MetallbLab {
  readonly lab: Lab;
  readonly core: k8s.CoreV1Api;
}

export async function labWithConfig(config: string, options: LabOptions = {}): Promise<MetallbLab> {
  const lab = await Lab.start(options);
  const kc = reuseConnections(new k8s.KubeConfig());
  kc.loadFromFile(lab.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: METALLB_NAMESPACE } } });
  await core.createNamespacedConfigMap({
    namespace: METALLB_NAMESPACE,
    body: { metadata: { name: 'config' }, data: { config } },
  });
  return { lab, core };
}

export function controllerFor(
  lab: Lab,
  log: Log,
  backoff?: BackoffOptions,
): Promise<RunningController> {
  return startController(
    {
      configName: 'config',
      port: 0,
      host: '127.0.0.1',
      kubeconfig: lab.kubeconfigPath,
      namespace: METALLB_NAMESPACE,
      ...(backoff === undefined ? {} : { backoff }),
    },
    log,
  );
}

/** The first ingress address of each Service in the default namespace, by name. */
export async function ingressByName(core: k8s.CoreV1Api): Promise<Map<string, string>> {
  const list = await core.listNamespacedService({ namespace: 'default' });
  const found = new Map<string, string>();
  for (const service of list.items) {
    const ip = service.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ip !== undefined) found.set(service.metadata?.name ?? '', ip);
  }
  return found;
}

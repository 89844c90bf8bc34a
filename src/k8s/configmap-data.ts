/**
 * Reading and writing a whole ConfigMap's data by name: how the controller
 * keeps the last config it accepted beside the `config` ConfigMap
 * (src/controller/daemon.ts says why).
 */
import { configMapPath } from './paths.js';
import { statusOf, type ApiClient } from './rest.js';
import type { ConfigMap } from './wire.js';

export type ConfigData = Readonly<Record<string, string>>;

/** The ConfigMap's data, or null when there is no such ConfigMap (404). */
export async function readConfigMapData(
  api: ApiClient,
  namespace: string,
  name: string,
): Promise<ConfigData | null> {
  try {
    const found = await api.request<ConfigMap>('GET', configMapPath(namespace, name));
    return found.data ?? {};
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * Replaces the ConfigMap's data by `data`, creating the ConfigMap when
 * there is none. The update carries no resourceVersion: the ConfigMap has
 * a single writer, and kube-apiserver allows ConfigMaps unconditional
 * updates (pkg/registry/core/configmap/strategy.go,
 * AllowUnconditionalUpdate).
 */
export async function writeConfigMapData(
  api: ApiClient,
  namespace: string,
  name: string,
  data: ConfigData,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
  try {
    await api.request('PUT', configMapPath(namespace, name), { body });
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
    await api.request('POST', configMapPath(namespace, ''), { body });
  }
}

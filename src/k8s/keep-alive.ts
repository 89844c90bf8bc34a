/**
 * For code that talks to the API through client-node (the lab's command
 * line, tests and benchmarks; the daemons use our own client, rest.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';

type DispatcherFactory = (cluster: unknown, options: Record<string, unknown>) => unknown;

/**
 * client-node 2 sends its API calls through undici and builds a new
 * dispatcher (an undici Agent, with its own connection pool) for every
 * request, so every request pays a TLS handshake (4 ms each against the
 * lab, more against a remote API server). This keeps one dispatcher per
 * distinct set of TLS options instead; undici keeps its connections alive.
 * The method is private in client-node's types, hence the cast; a missing
 * method (another client-node version) leaves the KubeConfig as it was, and
 * test/k8s/config.test.ts fails on a client-node without it.
 */
export function reuseConnections(kubeConfig: KubeConfig): KubeConfig {
  const target = kubeConfig as unknown as { createDispatcher?: DispatcherFactory };
  const original = target.createDispatcher?.bind(kubeConfig);
  if (original === undefined) return kubeConfig;
  const dispatchers = new Map<string, unknown>();
  target.createDispatcher = (cluster, options) => {
    const key = agentKey(cluster, options);
    if (!dispatchers.has(key)) dispatchers.set(key, original(cluster, options));
    return dispatchers.get(key);
  };
  return kubeConfig;
}

/**
 * What tells two dispatchers apart: the cluster and the TLS options, which hold
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

/**
 * For code that talks to the API through client-node (the lab's command
 * line, tests and benchmarks; the daemons use our own client, rest.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';

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

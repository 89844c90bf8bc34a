/**
 * The HTTP endpoints both daemons serve on `--port` (7472 in the
 * manifests): Prometheus `/metrics`, `/healthz` (the process answers) and
 * `/readyz` (the daemon has its config and its first lists).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface DaemonEndpoints {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function serveDaemonEndpoints(options: {
  readonly registry: Registry;
  readonly ready: () => boolean;
  readonly port: number;
  readonly host?: string;
}): Promise<DaemonEndpoints> {
  const { registry, ready } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else if (path === '/healthz') response.writeHead(200).end('ok');
    else if (path === '/readyz')
      response.writeHead(ready() ? 200 : 503).end(ready() ? 'ok' : 'not ready');
    else response.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The backend of a Service in the network-namespace lab (see topology.ts): a
 * tiny HTTP server run inside one node namespace, answering every request
 * with the node's name, so a client can tell which node carried it.
 *
 *   node dist/src/netns/backend-server.js --name n1 --port 8080
 *
 * It listens on `::` in dual-stack mode, so like kube-proxy it accepts
 * traffic of both families for any local address of the namespace,
 * including a Service IP that sits on the node's kube-lb0 interface.
 * Prints one JSON line `{"event":"listening",...}` once it accepts
 * connections; exits on SIGTERM or SIGINT.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { name: { type: 'string' }, port: { type: 'string' } },
  strict: true,
});
const name = values.name;
const port = Number(values.port);
if (name === undefined || name === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('usage: backend-server --name NODE --port PORT\n');
  process.exit(2);
}

const server = createServer((request, response) => {
  // Drain the request so the connection closes cleanly, then name the node.
  request.resume();
  response.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    connection: 'close',
  });
  response.end(`${name}\n`);
});

function listening(): void {
  process.stdout.write(`${JSON.stringify({ event: 'listening', name, port })}\n`);
}

server.once('error', (error: NodeJS.ErrnoException) => {
  // A kernel without IPv6 cannot bind `::`; IPv4 alone is still a backend.
  if (error.code === 'EAFNOSUPPORT' || error.code === 'EADDRNOTAVAIL') {
    server.once('error', (second) => {
      process.stderr.write(`backend-server ${name}: ${second.message}\n`);
      process.exit(1);
    });
    server.listen({ port, host: '0.0.0.0' }, listening);
    return;
  }
  process.stderr.write(`backend-server ${name}: ${error.message}\n`);
  process.exit(1);
});
server.listen({ port, host: '::', ipv6Only: false }, listening);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}

/**
 * Helpers for the TCP tests: a listening server whose kernel checks RFC 2385
 * signatures (keys set with setTcpMd5 on its descriptor), the count of this
 * process's open descriptors, and a port nobody listens on.
 */
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { setTcpMd5 } from '../../src/native/index.js';

/** The descriptor of a listening server (Node keeps it on its internal handle). */
export function serverFd(server: Server): number {
  const handle: unknown = Reflect.get(server, '_handle');
  const fd: unknown =
    typeof handle === 'object' && handle !== null ? Reflect.get(handle, 'fd') : -1;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no descriptor on the server handle');
  return fd;
}

export interface Accepted {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** What the client sent, as text. */
  received: string;
}

export interface TestServer {
  readonly port: number;
  /** The listening descriptor, for more setTcpMd5 calls. */
  readonly fd: number;
  /** Every connection the server accepted, in order. */
  readonly accepted: Accepted[];
  close(): Promise<void>;
}

/**
 * Listens on `host` (port chosen by the kernel), sets a key for each of
 * `keys` on the listening descriptor, and greets every connection with
 * `greeting`. Accepted sockets inherit the listener's keys (tcp(7)).
 */
export async function listenKeyed(
  host: string,
  keys: readonly { peer: string; key: string | Uint8Array }[],
  greeting: string,
): Promise<TestServer> {
  const accepted: Accepted[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const entry: Accepted = {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      received: '',
    };
    accepted.push(entry);
    sockets.add(socket);
    socket.on('data', (data: Buffer) => (entry.received += data.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.write(greeting);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    for (const { peer, key } of keys) setTcpMd5(serverFd(server), peer, key);
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    port: address.port,
    fd: serverFd(server),
    accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on `host` that nothing listens on now (bound, then released). */
export async function closedPort(host: string): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** How many descriptors this process has open (/proc/self/fd, proc(5)). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Collects what `socket` receives as text; the returned function tells it so far. */
export function collectText(socket: Socket): () => string {
  let text = '';
  socket.on('data', (data: Buffer) => (text += data.toString('utf8')));
  return () => text;
}

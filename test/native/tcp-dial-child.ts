/**
 * Run inside a test namespace by tcp-dial-netns.test.ts, as
 *   ip netns exec NS node tcp-dial-child.js listen HOST PEER KEY GREETING
 *   ip netns exec NS node tcp-dial-child.js dial HOST PORT KEY LOCAL TIMEOUT_MS GREETING
 * (KEY and LOCAL '-' for none). Prints one JSON object per line on stdout
 * and stays until its standard input ends, so the parent can look at the
 * open connection (ss) before letting it go.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { dialTcp, setTcpMd5, type DialError } from '../../src/native/index.js';
import { serverFd } from './fixtures.js';

export type TcpChildLine =
  | { listening: number }
  | { accepted: { remoteAddress?: string | undefined; remotePort?: number | undefined } }
  | {
      connected: {
        localAddress?: string | undefined;
        localPort?: number | undefined;
        remoteAddress?: string | undefined;
        remotePort?: number | undefined;
      };
    }
  | { received: string }
  | { failed: string; message: string };

function print(line: TcpChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function optional(text: string | undefined): string | undefined {
  return text === undefined || text === '-' ? undefined : text;
}

/** Reports what `socket` receives, one line per chunk, and greets its peer. */
function converse(socket: Socket, greeting: string): void {
  socket.on('data', (data: Buffer) => print({ received: data.toString('utf8') }));
  socket.on('error', (error) => print({ failed: 'socket', message: error.message }));
  socket.write(greeting);
}

async function untilStdinEnds(): Promise<void> {
  process.stdin.resume();
  await once(process.stdin, 'end');
}

async function listen(args: string[]): Promise<void> {
  const [host = '', peer = '', key, greeting = ''] = args;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    print({ accepted: { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort } });
    converse(socket, greeting);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const secret = optional(key);
  if (secret !== undefined) setTcpMd5(serverFd(server), peer, secret);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  print({ listening: address.port });
  await untilStdinEnds();
  for (const socket of sockets) socket.destroy();
  server.close();
}

async function dial(args: string[]): Promise<void> {
  const [host = '', port = '', key, local, timeoutMs = '', greeting = ''] = args;
  const md5Key = optional(key);
  const localAddress = optional(local);
  let socket: Socket;
  try {
    socket = await dialTcp({
      host,
      port: Number(port),
      timeoutMs: Number(timeoutMs),
      ...(md5Key === undefined ? {} : { md5Key }),
      ...(localAddress === undefined ? {} : { localAddress }),
    });
  } catch (error) {
    const { code, message } = error as DialError;
    print({ failed: code, message });
    return;
  }
  const { localAddress: ownAddress, localPort, remoteAddress, remotePort } = socket;
  print({ connected: { localAddress: ownAddress, localPort, remoteAddress, remotePort } });
  converse(socket, greeting);
  await untilStdinEnds();
  socket.destroy();
}

const [mode, ...rest] = process.argv.slice(2);
await (mode === 'listen' ? listen(rest) : dial(rest));

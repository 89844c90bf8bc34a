/**
 * The sockets: one UDP socket and one TCP listener on the same address and
 * port (memberlist's NetTransport; v0.9 joins bare pod IPs, so the port must
 * be the same everywhere, 7946 by default). Bytes in, bytes out: framing,
 * encryption and meaning live elsewhere.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, isIPv6, type Server, type Socket } from 'node:net';
import { formatAddr, parseEndpoint, type Endpoint } from './address.js';

export interface TransportHandlers {
  packet(bytes: Uint8Array, from: Endpoint): void;
  stream(socket: Socket, from: Endpoint): void;
}

export class NetTransport {
  private closed = false;

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    /** The address and port actually bound (port 0 resolved). */
    readonly bound: Endpoint,
  ) {}

  /**
   * Binds UDP and TCP on `host:port`. With port 0 the kernel picks a TCP
   * port and UDP takes the same one, retried a few times if UDP has it taken.
   */
  static async listen(
    host: string,
    port: number,
    handlers: TransportHandlers,
  ): Promise<NetTransport> {
    const attempts = port === 0 ? 10 : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const tcp = createServer({ noDelay: true });
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host, port, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
        const address = tcp.address();
        if (address === null || typeof address === 'string')
          throw new Error('TCP listener has no port');
        const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address: host, port: address.port, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
        const bound = parseEndpoint(host, address.port);
        if (typeof bound === 'string') throw new Error(bound);
        const transport = new NetTransport(udp, tcp, bound);
        transport.wire(handlers);
        return transport;
      } catch (error) {
        lastError = error;
        tcp.close();
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private wire(handlers: TransportHandlers): void {
    this.udp.on('message', (message, info) => {
      const from = parseEndpoint(info.address, info.port);
      if (typeof from === 'string') return;
      handlers.packet(new Uint8Array(message.buffer, message.byteOffset, message.byteLength), from);
    });
    // Errors on a datagram socket (ICMP unreachable and the like) are not fatal.
    this.udp.on('error', () => undefined);
    this.tcp.on('connection', (socket) => {
      socket.setNoDelay(true);
      const from = parseEndpoint(socket.remoteAddress ?? '', socket.remotePort ?? 0);
      if (typeof from === 'string') {
        socket.destroy();
        return;
      }
      handlers.stream(socket, from);
    });
    this.tcp.on('error', () => undefined);
  }

  sendTo(to: Endpoint, bytes: Uint8Array): void {
    if (this.closed) return;
    this.udp.send(bytes, to.port, formatAddr(to.addr), () => undefined);
  }

  /** Opens a TCP connection, failing after `timeoutMs`. */
  dial(to: Endpoint, timeoutMs: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: formatAddr(to.addr), port: to.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${formatAddr(to.addr)}:${to.port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }
}

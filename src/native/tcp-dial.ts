/**
 * Dials the TCP connection of a BGP session: to the peer's address and port,
 * optionally from a given source address, optionally signed with an RFC 2385
 * TCP MD5 key (the MetalLB v0.9 `password`), within a deadline, cancellable.
 */
import { closeSync } from 'node:fs';
import { Socket, connect, isIP } from 'node:net';
import { nativeAddon } from './addon.js';
import {
  dialAbortError,
  dialSystemError,
  dialTimeoutError,
  type DialTarget,
} from './dial-errors.js';
import { tcpMd5KeyBytes } from './tcp-md5.js';

export interface DialTcpOptions {
  /** The peer's IP address; names are refused (BGP peers are configured by address). */
  readonly host: string;
  readonly port: number;
  /** The source address, of the host's family; the port is the kernel's choice. */
  readonly localAddress?: string;
  /**
   * The RFC 2385 key shared with the peer (a string is UTF-8), at most 80
   * bytes. Empty or absent: no signatures, as an empty v0.9 `password`.
   */
  readonly md5Key?: string | Uint8Array;
  /** How long the connect may take before the dial rejects with code 'ETIMEDOUT'. */
  readonly timeoutMs: number;
  /** Aborting rejects with an AbortError (code 'ABORT_ERR') and closes what was opened. */
  readonly signal?: AbortSignal;
}

/** The largest delay setTimeout honours; a longer one would fire after 1 ms. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A connected TCP socket to `host`:`port`, its `localAddress`,
 * `remoteAddress` and `remotePort` checked before it is handed over. Read
 * `localAddress` while it is open: once the socket closes, Node 24 answers
 * neither address (Node 20 still kept the peer's), since `_getsockname`
 * and `_getpeername` need the handle.
 *
 * With a key, the addon sets TCP_MD5SIG before connect() (the SYN must be
 * signed, RFC 2385 section 2.0, and Node has no API for the option) and
 * Node adopts the connected descriptor. Without one, Node's own
 * net.connect does the same non-blocking connect: it needs no addon, so a
 * speaker whose peers have no password runs where the addon is not built.
 *
 * Rejects with a TypeError or RangeError for bad options (a key longer than
 * 80 bytes is a RangeError), with an Error whose `code` is 'ETIMEDOUT' after
 * `timeoutMs`, 'ABORT_ERR' when `signal` aborts, or what connect() or bind()
 * answered ('ECONNREFUSED', 'EHOSTUNREACH', 'EADDRNOTAVAIL' ...).
 */
export async function dialTcp(options: DialTcpOptions): Promise<Socket> {
  const target = checkedTarget(options);
  const { timeoutMs, signal } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`timeoutMs must be a number of milliseconds, not ${timeoutMs}`);
  }
  const key = options.md5Key === undefined ? undefined : tcpMd5KeyBytes(options.md5Key);
  if (signal?.aborted === true) throw dialAbortError(target, signal.reason);
  const start = key !== undefined && key.length > 0 ? startSigned(key) : startPlain;
  const socket = await race(target, timeoutMs, signal, start);
  return connected(socket, target);
}

function checkedTarget(options: DialTcpOptions): DialTarget {
  const { host, port, localAddress } = options;
  const family = isIP(host);
  if (family === 0 || host.includes('%')) {
    throw new TypeError(`host must be an IPv4 or IPv6 address without a zone, not ${host}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`port must be an integer from 1 to 65535, not ${port}`);
  }
  if (localAddress !== undefined && isIP(localAddress) !== family) {
    throw new TypeError(`localAddress ${localAddress} is not an IPv${family} address like ${host}`);
  }
  return { host, port, localAddress };
}

/** One connect attempt: `done` is called once, with the socket or why not. */
type Start = (target: DialTarget, done: (error: Error | null, socket?: Socket) => void) => Attempt;

interface Attempt {
  /** Closes what the attempt opened and calls `done` with an error, if still pending. */
  cancel(): void;
}

/** Runs `start` until it is done, the deadline passes or `signal` aborts, whichever comes first. */
function race(
  target: DialTarget,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  start: Start,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let stoppedBy: 'timeout' | 'abort' | undefined;
    let settled = false;
    let attempt: Attempt | undefined;
    const stop = (why: 'timeout' | 'abort'): void => {
      if (settled || stoppedBy !== undefined) return;
      stoppedBy = why;
      attempt?.cancel();
    };
    const onAbort = (): void => stop('abort');
    // Armed before the attempt starts, so `done` always has both to clear;
    // neither fires while start() runs (both need the event loop to turn).
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (error: Error | null, socket?: Socket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === null && socket !== undefined) resolve(socket);
      else if (stoppedBy === 'timeout') reject(dialTimeoutError(target, timeoutMs));
      else if (stoppedBy === 'abort') reject(dialAbortError(target, signal?.reason));
      else reject(error ?? new Error('connect: no socket'));
    };
    try {
      attempt = start(target, done);
    } catch (error) {
      done(dialSystemError(error, target));
    }
  });
}

/** The addon's path: key, bind and connect in C++, then Node adopts the descriptor. */
function startSigned(key: Uint8Array): Start {
  return (target, done) =>
    new (nativeAddon().TcpDial)(
      target.host,
      target.port,
      target.localAddress ?? null,
      key,
      (error, fd) => {
        if (error !== null) {
          done(dialSystemError(error, target));
          return;
        }
        // Called from libuv: a throw here would be an uncaught exception.
        let socket: Socket;
        try {
          socket = adopt(fd);
        } catch (adoptError) {
          done(adoptError instanceof Error ? adoptError : new Error(String(adoptError)));
          return;
        }
        done(null, socket);
      },
    );
}

/**
 * A net.Socket on a connected descriptor. Node's TCP handle takes it over
 * (uv_tcp_open) and closes it when the socket is destroyed; if Node cannot
 * take it, it is closed here, so no path leaks it.
 */
function adopt(fd: number): Socket {
  try {
    return new Socket({ fd, readable: true, writable: true });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Node's path, for dials without a key. */
const startPlain: Start = (target, done) => {
  const socket = connect({
    host: target.host,
    port: target.port,
    ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
  });
  const onError = (error: Error): void => {
    socket.off('connect', onConnect);
    done(error);
  };
  const onConnect = (): void => {
    socket.off('error', onError);
    done(null, socket);
  };
  socket.once('error', onError);
  socket.once('connect', onConnect);
  return {
    cancel(): void {
      socket.off('error', onError);
      socket.off('connect', onConnect);
      socket.destroy();
      done(new Error('connect: cancelled'));
    },
  };
};

/**
 * Makes sure both ends have a name: a connection reset between connect()
 * and now has no peer name, and a BGP speaker needs its local address (its
 * NEXT_HOP and router ID).
 */
function connected(socket: Socket, target: DialTarget): Socket {
  if (socket.localAddress === undefined || socket.remoteAddress === undefined) {
    socket.destroy();
    const error = new Error(`connect ECONNRESET ${target.host}:${target.port}`) as Error & {
      code: string;
    };
    error.code = 'ECONNRESET';
    throw error;
  }
  return socket;
}

/**
 * The errors dialTcp rejects with, shaped like those of Node's net.connect
 * (message "connect ECONNREFUSED 192.0.2.1:179", `code`, `errno`, `syscall`,
 * `address`, `port`), whichever path dialled, so a BGP session tells a
 * refused connection from a timeout by `code` and never by parsing text.
 */

export interface DialError extends Error {
  /** 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ABORT_ERR' ... */
  code: string;
  /** The negated errno value, as Node has it; absent for timeouts and aborts. */
  errno?: number;
  syscall?: string;
  /** The peer's address, or the local one when bind() failed (as Node does). */
  address: string;
  port?: number;
}

export interface DialTarget {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string | undefined;
}

/** An error of the addon's (code, errno, syscall) restated for `target`. */
export function dialSystemError(cause: unknown, target: DialTarget): Error {
  if (!(cause instanceof Error)) return new Error(String(cause));
  const { code, errno, syscall } = cause as Partial<DialError>;
  if (typeof code !== 'string' || code === 'ABORT_ERR') return cause;
  const call = syscall ?? 'connect';
  // Node names the local address for a failed bind(), the peer otherwise.
  const bindFailed = call === 'bind' && target.localAddress !== undefined;
  const address = bindFailed ? (target.localAddress ?? target.host) : target.host;
  const where = bindFailed ? address : `${address}:${target.port}`;
  const error = new Error(`${call} ${code} ${where}`, { cause }) as DialError;
  error.code = code;
  if (errno !== undefined) error.errno = errno;
  error.syscall = call;
  error.address = address;
  if (!bindFailed) error.port = target.port;
  return error;
}

/** No connection within `timeoutMs`: code 'ETIMEDOUT', as the kernel's own connect timeout. */
export function dialTimeoutError(target: DialTarget, timeoutMs: number): DialError {
  const error = new Error(
    `connect ETIMEDOUT ${target.host}:${target.port} (not connected within ${timeoutMs} ms)`,
  ) as DialError;
  error.code = 'ETIMEDOUT';
  error.syscall = 'connect';
  error.address = target.host;
  error.port = target.port;
  return error;
}

/** Aborted by the caller's AbortSignal: the shape of Node's AbortError, the signal's reason as `cause`. */
export function dialAbortError(target: DialTarget, reason: unknown): DialError {
  const error = new Error(`connect to ${target.host}:${target.port} aborted`, {
    cause: reason,
  }) as DialError;
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  error.address = target.host;
  error.port = target.port;
  return error;
}

/**
 * A small client for the API server's REST interface: JSON requests and
 * watch streams over one keep-alive connection pool. It is all the daemons
 * need (list, watch, get, patch, create), and it keeps them clear of
 * client-node at run time, whose import alone costs 73 MiB of RSS and whose
 * model serializer costs more CPU than the requests themselves (README,
 * "Dependencies").
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { Status } from './wire.js';

/** How requests prove who we are. */
export interface Authenticator {
  /** TLS material for the connection pool: CA, client certificate and key, server name. */
  readonly tls: ConnectionOptions;
  /** Headers for one request (Authorization); called per request, so rotated tokens are picked up. */
  headers(): Promise<Record<string, string>> | Record<string, string>;
}

/** An answer of 4xx/5xx, or a transport failure (code 0), with the Status the server sent. */
export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when no answer came. */
    readonly code: number,
    /** The Status's reason (`Conflict`, `NotFound`, `Expired`, ...), or ''. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Readonly<Record<string, string | undefined>>;

export interface CallOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Of the body: JSON unless a patch says otherwise. */
  readonly contentType?: string;
}

export const MERGE_PATCH = 'application/merge-patch+json';

/** Time a plain request may take, from sending to the last byte (client-go has none; kubectl 0). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Longer than any object the API server stores (etcd's limit is 1.5 MB): a stream gone wrong. */
const MAX_WATCH_LINE = 16 * 1024 * 1024;
/** A watch whose connection stays silent this much longer than its server-side timeout is dead. */
const WATCH_GRACE_MS = 30_000;

export class ApiClient {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(
    server: string,
    private readonly auth: Authenticator,
  ) {
    this.base = new URL(server);
    const secure = this.base.protocol === 'https:';
    // One pool for everything: Node's agents keep sockets alive and reuse them.
    this.agent = secure
      ? new HttpsAgent({ ...auth.tls, keepAlive: true })
      : new HttpAgent({ keepAlive: true });
    this.send = secure ? httpsRequest : httpRequest;
  }

  /** The server's base URL, for log lines. */
  get server(): string {
    return this.base.origin;
  }

  /** One JSON request; resolves to the parsed answer, rejects with an ApiError. */
  async request<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const body =
      options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const response = await this.open(method, path, {
      query: options.query,
      body,
      contentType: options.contentType,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const text = await readAll(response, REQUEST_TIMEOUT_MS);
    if ((response.statusCode ?? 0) >= 400) throw errorFrom(response.statusCode ?? 0, text);
    // Every answer the daemons ask for is an object; an empty body (no content) reads as one.
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /**
   * A watch: `onLine` gets each JSON line the server streams, parsed. Resolves
   * when the server ends the stream (its timeoutSeconds), rejects on an error
   * answer, a broken connection or silence past `idleMs`; `signal` ends it.
   */
  async watch(
    path: string,
    query: Query,
    onLine: (value: unknown) => void,
    options: { readonly idleMs: number; readonly signal: AbortSignal },
  ): Promise<void> {
    const response = await this.open('GET', path, {
      query,
      signal: options.signal,
      timeoutMs: options.idleMs + WATCH_GRACE_MS,
    });
    if ((response.statusCode ?? 0) >= 400) {
      throw errorFrom(response.statusCode ?? 0, await readAll(response, REQUEST_TIMEOUT_MS));
    }
    await new Promise<void>((resolve, reject) => {
      let partial = '';
      response.setEncoding('utf8');
      response.setTimeout(options.idleMs + WATCH_GRACE_MS, () =>
        response.destroy(new ApiError(0, '', 'watch went silent')),
      );
      response.on('data', (chunk: string) => {
        partial += chunk;
        let newline = partial.indexOf('\n');
        while (newline >= 0) {
          const line = partial.slice(0, newline);
          partial = partial.slice(newline + 1);
          if (line.trim() !== '') {
            try {
              onLine(JSON.parse(line));
            } catch (error) {
              response.destroy(error instanceof Error ? error : new Error(String(error)));
              return;
            }
          }
          newline = partial.indexOf('\n');
        }
        // What is left is the start of a line: one that long is a stream gone wrong.
        if (partial.length > MAX_WATCH_LINE) {
          response.destroy(new ApiError(0, '', `watch line over ${MAX_WATCH_LINE} characters`));
        }
      });
      response.on('end', () => resolve());
      // Ended on purpose (stop): resolve, whatever the stream reports on the way down.
      const failed = (error: ApiError): void =>
        options.signal.aborted ? resolve() : reject(error);
      response.on('error', (error) => failed(transportError(error)));
      response.on('aborted', () => failed(new ApiError(0, '', 'watch connection aborted')));
      response.on('close', () => failed(new ApiError(0, '', 'watch connection closed')));
      options.signal.addEventListener('abort', () => response.destroy(), { once: true });
    });
  }

  /** Closes idle pooled connections (on stop). */
  close(): void {
    this.agent.destroy();
  }

  private async open(
    method: string,
    path: string,
    how: {
      readonly query?: Query | undefined;
      readonly body?: Buffer | undefined;
      readonly contentType?: string | undefined;
      readonly signal?: AbortSignal;
      /** The connection may be silent this long, waiting for the answer's head included. */
      readonly timeoutMs: number;
    },
  ): Promise<IncomingMessage> {
    const { query, body, contentType, signal, timeoutMs } = how;
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'metallb-ts',
      ...(await this.auth.headers()),
    };
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const options: RequestOptions = {
      method,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      path: url.pathname + url.search,
      headers,
      agent: this.agent,
      ...(signal === undefined ? {} : { signal }),
    };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const request = this.send(options, resolve);
      request.on('error', (error) => reject(transportError(error)));
      request.setTimeout(timeoutMs, () =>
        request.destroy(new ApiError(0, '', `no answer in ${timeoutMs} ms`)),
      );
      request.end(body);
    });
  }
}

function readAll(response: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.setTimeout(timeoutMs, () =>
      response.destroy(new ApiError(0, '', `answer incomplete after ${timeoutMs} ms`)),
    );
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', (error) => reject(transportError(error)));
    response.on('aborted', () => reject(new ApiError(0, '', 'connection aborted mid-answer')));
  });
}

/** An error answer as an ApiError: the Status's reason and message when the body is one. */
function errorFrom(code: number, text: string): ApiError {
  let status: Status | undefined;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    status = undefined;
  }
  const message =
    typeof status?.message === 'string' && status.message !== ''
      ? status.message
      : text.slice(0, 200) || `HTTP ${code}`;
  return new ApiError(code, typeof status?.reason === 'string' ? status.reason : '', message);
}

function transportError(error: Error): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, '', error.message);
}

/** The HTTP status of an error from this client (or client-node's, which calls it `code`); 0 when none. */
export function statusOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : 0;
}

/**
 * One HTTPS request to a lab, as a raw client sends it: the path goes out
 * exactly as given (no URL normalization, so `%2e%2e` and bad escapes reach
 * the server), the lab's certificate is trusted explicitly, and the promise
 * resolves when the response ends.
 */
import https from 'node:https';
import type { Lab } from '../../src/lab/index.js';

export interface LabRequest {
  readonly method?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as it is (instead of `body`). */
  readonly rawBody?: string | Buffer;
  readonly token?: string;
  readonly contentType?: string;
}

export async function fetchLab(
  lab: Lab,
  path: string,
  options: LabRequest = {},
): Promise<Response> {
  const server = new URL(lab.serverUrl);
  const body =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        hostname: server.hostname,
        port: server.port,
        path,
        method: options.method ?? 'GET',
        ca: lab.caPem,
        headers: {
          Authorization: `Bearer ${options.token ?? lab.token}`,
          ...(body === undefined
            ? {}
            : { 'Content-Type': options.contentType ?? 'application/json' }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve(
            new Response(Buffer.concat(chunks), {
              status: response.statusCode ?? 0,
              headers: { 'Content-Type': response.headers['content-type'] ?? '' },
            }),
          );
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

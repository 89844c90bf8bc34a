/** Our own API client and raw HTTPS requests, pointed at a lab with its CA and a token. */
import https from 'node:https';
import { ApiClient, endpointAuth } from '../../src/k8s/index.js';
import type { Lab } from '../../src/lab/index.js';

/** Our client with the lab's administrator token, or `token` (a ServiceAccount's). */
export function labApi(lab: Lab, token = lab.token): ApiClient {
  return new ApiClient(
    lab.serverUrl,
    endpointAuth({
      server: lab.serverUrl,
      ca: Buffer.from(lab.caPem),
      token,
      insecureSkipTlsVerify: false,
    }),
  );
}

/** A request with node:https (the lab's certificate is trusted explicitly); resolves when the response ends. */
export async function fetchLab(
  lab: Lab,
  path: string,
  options: { method?: string; body?: unknown; token?: string; contentType?: string } = {},
): Promise<Response> {
  const url = new URL(path, lab.serverUrl);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
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
          resolve(new Response(Buffer.concat(chunks), { status: response.statusCode ?? 0 }));
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

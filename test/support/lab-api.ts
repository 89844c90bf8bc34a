/**
 * Our own API client, pointed at a lab with its CA and a token (raw HTTPS
 * requests: lab-http.ts).
 */
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

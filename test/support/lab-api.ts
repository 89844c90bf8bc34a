/** Our own API client, pointed at a lab with its CA and token. */
import { ApiClient, endpointAuth } from '../../src/k8s/index.js';
import type { Lab } from '../../src/lab/index.js';

export function labApi(lab: Lab): ApiClient {
  return new ApiClient(
    lab.serverUrl,
    endpointAuth({
      server: lab.serverUrl,
      ca: Buffer.from(lab.caPem),
      token: lab.token,
      insecureSkipTlsVerify: false,
    }),
  );
}

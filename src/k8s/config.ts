/**
 * Where the API server is and which namespace is ours: in a cluster, the
 * service account (v0.9 ran in-cluster only); outside, `--kubeconfig` or
 * KUBECONFIG, as users of kubectl expect.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { inClusterEndpoint } from './in-cluster.js';
import { kubeconfigPaths, loadKubeconfig, type ApiEndpoint } from './kubeconfig.js';
import { ApiClient, type Authenticator } from './rest.js';

export interface ClusterAccess {
  readonly api: ApiClient;
  /** The namespace the daemon works in (where the config ConfigMap lives). */
  readonly namespace: string;
}

export interface AccessOptions {
  /** `--kubeconfig`: wins over everything else. */
  readonly kubeconfig?: string;
  /** `--namespace`: wins over the service account's and the context's. */
  readonly namespace?: string;
  /**
   * The file system root under which the service account is mounted, for
   * tests. Default '/': the mount is an absolute path, whatever the working
   * directory (the image's is /app).
   */
  readonly root?: string;
}

/**
 * In a pod (KUBERNETES_SERVICE_HOST set and a service account mounted,
 * KUBECONFIG unset): the API server's Service, the account's token and CA,
 * the pod's namespace. Otherwise `--kubeconfig`, KUBECONFIG or
 * ~/.kube/config, as kubectl does. A kubeconfig whose user needs an exec or
 * auth-provider plugin is handed to client-node, loaded for that case only.
 */
export async function clusterAccess(options: AccessOptions): Promise<ClusterAccess> {
  const env = process.env;
  const pod =
    options.kubeconfig === undefined && env['KUBECONFIG'] === undefined
      ? inClusterEndpoint(env, options.root ?? '/')
      : undefined;
  if (pod !== undefined) {
    return {
      api: new ApiClient(pod.endpoint.server, endpointAuth(pod.endpoint)),
      namespace: options.namespace ?? pod.namespace,
    };
  }
  const paths = kubeconfigPaths(options.kubeconfig, env, homedir());
  const loaded = loadKubeconfig(paths, { explicit: options.kubeconfig !== undefined });
  const namespace = options.namespace ?? loaded.namespace ?? 'default';
  if (loaded.kind === 'endpoint') {
    return { api: new ApiClient(loaded.endpoint.server, endpointAuth(loaded.endpoint)), namespace };
  }
  const plugin = await pluginAuth(loaded.paths);
  return { api: new ApiClient(plugin.server, plugin.auth), namespace };
}

/** Bound service-account tokens rotate; client-go re-reads the file once a minute, so do we. */
const TOKEN_REREAD_MS = 60_000;

/** TLS and headers for an endpoint from a kubeconfig or a service account. */
export function endpointAuth(endpoint: ApiEndpoint, now: () => number = Date.now): Authenticator {
  const tls = {
    ...(endpoint.ca === undefined ? {} : { ca: endpoint.ca }),
    ...(endpoint.cert === undefined ? {} : { cert: endpoint.cert }),
    ...(endpoint.key === undefined ? {} : { key: endpoint.key }),
    ...(endpoint.tlsServerName === undefined ? {} : { servername: endpoint.tlsServerName }),
    rejectUnauthorized: !endpoint.insecureSkipTlsVerify,
  };
  let fileToken = { value: '', readAt: -Infinity };
  const token = (): string | undefined => {
    if (endpoint.tokenFile === undefined) return endpoint.token;
    if (now() - fileToken.readAt >= TOKEN_REREAD_MS) {
      fileToken = { value: readFileSync(endpoint.tokenFile, 'utf8').trim(), readAt: now() };
    }
    return fileToken.value;
  };
  const basic = endpoint.basicAuth;
  const basicHeader =
    basic === undefined
      ? undefined
      : `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  return {
    tls,
    headers: (): Record<string, string> => {
      const bearer = token();
      if (bearer !== undefined && bearer !== '') return { Authorization: `Bearer ${bearer}` };
      return basicHeader === undefined ? {} : { Authorization: basicHeader };
    },
  };
}

/** client-node's plugin support (exec, auth-provider): loaded only when a kubeconfig needs it. */
async function pluginAuth(
  paths: readonly string[],
): Promise<{ server: string; auth: Authenticator }> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  if (paths.length === 1 && paths[0] !== undefined) kubeConfig.loadFromFile(paths[0]);
  else kubeConfig.loadFromDefault();
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const first: { headers: Record<string, string>; ca?: Buffer; cert?: Buffer; key?: Buffer } = {
    headers: {},
  };
  await kubeConfig.applyToHTTPSOptions(first);
  return {
    server,
    auth: {
      // The TLS material as the plugin gave it at start; the headers (tokens) afresh per request.
      tls: {
        ...(first.ca === undefined ? {} : { ca: first.ca }),
        ...(first.cert === undefined ? {} : { cert: first.cert }),
        ...(first.key === undefined ? {} : { key: first.key }),
      },
      headers: async () => {
        const options: { headers: Record<string, string> } = { headers: {} };
        await kubeConfig.applyToHTTPSOptions(options);
        return options.headers;
      },
    },
  };
}

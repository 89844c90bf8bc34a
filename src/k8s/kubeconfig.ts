// TEMPORARY stub until the kubeconfig loader lands (wt-kc).
export interface ApiEndpoint {
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
}
export type KubeconfigResult =
  | { readonly kind: 'endpoint'; readonly endpoint: ApiEndpoint; readonly namespace?: string }
  | {
      readonly kind: 'plugin';
      readonly plugin: 'exec' | 'auth-provider';
      readonly paths: readonly string[];
      readonly namespace?: string;
    };
export function kubeconfigPaths(_e: string | undefined, _env: NodeJS.ProcessEnv, _h: string): string[] {
  throw new Error('stub');
}
export function loadKubeconfig(_p: readonly string[], _o?: { explicit?: boolean }): KubeconfigResult {
  throw new Error('stub');
}
export function inClusterEndpoint(
  _env: NodeJS.ProcessEnv,
  _root: string,
): { endpoint: ApiEndpoint; namespace: string } | undefined {
  return undefined;
}

/**
 * The Kubernetes release a lab plays (`LabOptions.kubernetesVersion`): what
 * it serves and which admission plugins it runs depend on the minor.
 */
export interface KubernetesVersion {
  readonly major: 1;
  readonly minor: number;
}

/**
 * `1.20`, `v1.20` or `1.20.15` -> {major: 1, minor: 20}; anything else throws,
 * so a mistyped `--kubernetes-version` stops the lab before it starts.
 */
export function parseKubernetesVersion(text: string): KubernetesVersion {
  const match = /^v?1\.(0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))?$/.exec(text.trim());
  if (match === null) throw new Error(`not a Kubernetes 1.x version: ${JSON.stringify(text)}`);
  return { major: 1, minor: Number(match[1]) };
}

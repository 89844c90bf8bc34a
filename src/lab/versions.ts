/**
 * The Kubernetes release the lab answers as. Which API groups and versions a
 * release serves follows the Kubernetes deprecation guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/): each
 * ResourceType names the first and last minor release that serves it
 * (`servedFrom`, `servedUntil`), and everything the lab derives from the
 * served set (discovery, OpenAPI stubs, routing) asks `serves`.
 */
import { RESOURCES, type ResourceType } from './resources.js';

export interface KubernetesVersion {
  readonly major: 1;
  readonly minor: number;
}

/**
 * The oldest release the lab speaks: the first that serves events.k8s.io/v1
 * and the oldest that MetalLB v0.9 clusters still commonly run.
 */
export const OLDEST_MINOR = 19;
/** The release the lab answers as by default (docs/LAB.md: the kubectl builds on these machines). */
export const CURRENT_MINOR = 32;
export const CURRENT_VERSION: KubernetesVersion = { major: 1, minor: CURRENT_MINOR };

/** `1.20`, `v1.20` or `1.20.15` -> {major: 1, minor: 20}; an Error for anything else or outside 1.19..1.32. */
export function parseKubernetesVersion(text: string): KubernetesVersion {
  const match = /^v?1\.(\d{1,3})(?:\.\d{1,4})?$/.exec(text.trim());
  if (match === null) {
    throw new Error(
      `Kubernetes version "${text}" is not of the form 1.MINOR (for example 1.20 or 1.${CURRENT_MINOR})`,
    );
  }
  const minor = Number(match[1]);
  if (minor < OLDEST_MINOR || minor > CURRENT_MINOR) {
    throw new Error(
      `Kubernetes version "${text}" is outside the range the lab speaks: 1.${OLDEST_MINOR} to 1.${CURRENT_MINOR}`,
    );
  }
  return { major: 1, minor };
}

/** Whether a release serves this resource at this version. */
export function serves(type: ResourceType, version: KubernetesVersion): boolean {
  return (
    version.minor >= (type.servedFrom ?? OLDEST_MINOR) &&
    version.minor <= (type.servedUntil ?? CURRENT_MINOR)
  );
}

/** `v1.20.0-lab`: what /version, the OpenAPI stub and kubectl's dispatcher read. */
export function gitVersion(version: KubernetesVersion): string {
  return `v${version.major}.${version.minor}.0-lab`;
}

/** The resources a release serves, in RESOURCES order. */
export function servedResources(version: KubernetesVersion): ResourceType[] {
  return RESOURCES.filter((type) => serves(type, version));
}

/** The group/versions a release serves, core first, each group's preferred (first listed) version first. */
export function servedGroupVersions(
  version: KubernetesVersion,
): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of servedResources(version))
    seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}

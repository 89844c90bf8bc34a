/**
 * `metallb-ts lab --manifests PATH`: the install as an operator does it on
 * a cluster. `kubectl apply -k PATH` for a folder with a kustomization (its
 * `resources` in their order: manifests/ lists the namespace first), else
 * `kubectl apply -f PATH` (a file, or a folder's .yaml, .yml and .json
 * files in name order, as kubectl reads a folder), then what a v0.9
 * install adds by hand: the `memberlist` Secret (v0.9's install guide:
 * `kubectl create secret generic memberlist --from-literal=secretkey=...`)
 * and MetalLB's `config` ConfigMap, each only if absent. The lab's workload
 * controllers and kubelet then run what was applied.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { load } from 'js-yaml';
import { join } from 'node:path';
import { applyManifests, type ApplyResult, type Lab } from '../lab/index.js';

const MANIFEST_FILE = /\.(ya?ml|json)$/;
/** The names kustomize accepts for a folder's kustomization. */
const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The files `kubectl apply -k` (a kustomization's plain file resources) or `apply -f` reads, in order. */
export function manifestFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const kustomization = KUSTOMIZATIONS.map((name) => join(path, name)).find((file) =>
    existsSync(file),
  );
  if (kustomization !== undefined) {
    const listed = (load(readFileSync(kustomization, 'utf8')) as { resources?: unknown }).resources;
    if (Array.isArray(listed))
      return listed.filter((r): r is string => typeof r === 'string').map((r) => join(path, r));
  }
  return readdirSync(path)
    .filter((name) => MANIFEST_FILE.test(name))
    .sort()
    .map((name) => join(path, name));
}

/** Applies the manifests at `path`, then the Secret and the ConfigMap (with `config`) when absent. */
export function applyInstall(
  lab: Lab,
  path: string,
  namespace: string,
  config: string,
): ApplyResult {
  const lines: string[] = [];
  const errors: string[] = [];
  const apply = (text: string, source: string): void => {
    const result = applyManifests(lab.registry, text, source);
    lines.push(...result.lines);
    errors.push(...result.errors);
  };
  for (const file of manifestFiles(path)) apply(readFileSync(file, 'utf8'), file);
  const addIfAbsent = (
    kind: 'Secret' | 'ConfigMap',
    name: string,
    data: Record<string, string>,
  ) => {
    if (lab.store.has(`/v1/${kind.toLowerCase()}s`, namespace, name)) return;
    const object = { apiVersion: 'v1', kind, metadata: { name, namespace }, data };
    apply(JSON.stringify(object), `the ${name} ${kind}`);
  };
  const secret = randomBytes(128).toString('base64');
  addIfAbsent('Secret', 'memberlist', { secretkey: Buffer.from(secret).toString('base64') });
  addIfAbsent('ConfigMap', 'config', { config });
  return { lines, errors };
}

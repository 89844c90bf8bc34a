/**
 * `kubectl apply -f` inside the lab, for `metallb-ts lab --manifests`:
 * every document of the YAML text is created, or replaced when it exists
 * (its status kept), in order, and reported with kubectl's words
 * (`deployment.apps/controller created`). A kind the lab does not serve is
 * reported as kubectl reports it and the rest is still applied. Replacing
 * rather than merging is enough for manifests applied whole.
 */
import { loadAll } from 'js-yaml';
import type { Registry, Scope } from './registry.js';
import { findKind, resourceKey } from './resources.js';
import { ApiError } from './status.js';
import { isObject, objectAt, stringAt } from './json.js';

const WRITE = { dryRun: false, strict: false };

export interface ApplyResult {
  readonly lines: string[];
  readonly errors: string[];
}

export function applyManifests(registry: Registry, text: string, source: string): ApplyResult {
  const lines: string[] = [];
  const errors: string[] = [];
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (error) {
    return {
      lines,
      errors: [`error: ${source}: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  for (const document of documents) {
    if (!isObject(document)) continue;
    const apiVersion = stringAt(document, 'apiVersion') ?? '';
    const kind = stringAt(document, 'kind') ?? '';
    const metadata = objectAt(document, 'metadata');
    const name = stringAt(metadata, 'name') ?? '';
    const type = findKind(apiVersion, kind);
    if (type === undefined) {
      errors.push(
        `error: resource mapping not found for name: "${name}" namespace: "${stringAt(metadata, 'namespace') ?? ''}" from "${source}": no matches for kind "${kind}" in version "${apiVersion}"`,
      );
      continue;
    }
    const namespace = type.namespaced ? (stringAt(metadata, 'namespace') ?? 'default') : '';
    const scope: Scope = { type, namespace, name, subresource: '' };
    const label = `${type.singular}${type.group === '' ? '' : `.${type.group}`}/${name}`;
    try {
      const current = registry.store.get(resourceKey(type), namespace, name);
      if (current === undefined) {
        registry.create({ ...scope, name: '' }, document, WRITE);
        lines.push(`${label} created`);
      } else {
        const currentMeta = objectAt(current, 'metadata');
        const same =
          Object.keys(document).every(
            (key) =>
              key === 'metadata' || JSON.stringify(current[key]) === JSON.stringify(document[key]),
          ) &&
          ['labels', 'annotations'].every(
            (key) => JSON.stringify(currentMeta[key] ?? {}) === JSON.stringify(metadata[key] ?? {}),
          );
        if (!same)
          registry.update(
            scope,
            { ...current, ...document, metadata: { ...currentMeta, ...metadata } },
            WRITE,
          );
        lines.push(`${label} ${same ? 'unchanged' : 'configured'}`);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      errors.push(
        `Error from server (${error.reason}): error when applying "${source}": ${error.message}`,
      );
    }
  }
  return { lines, errors };
}

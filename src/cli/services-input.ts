/**
 * The Services file of `metallb-ts plan`: what `kubectl get services -A
 * -o yaml` or `-o json` prints (a List), or YAML documents of Service
 * manifests. JSON is read with JSON.parse; YAML with js-yaml, which reads
 * 100,000 Services in seconds (the `yaml` package, which the project no
 * longer uses, needed close to a minute for that).
 */
import { loadAll } from 'js-yaml';
import type { ServiceObject } from '../service/index.js';

export type ServicesInput =
  | { readonly ok: true; readonly services: ServiceObject[]; readonly otherObjects: number }
  | { readonly ok: false; readonly error: string };

export function readServices(text: string): ServicesInput {
  let documents: unknown[];
  try {
    documents = [JSON.parse(text) as unknown];
  } catch {
    // Not one JSON value (YAML, or JSON-looking YAML documents): read it as YAML.
    try {
      documents = loadAll(text);
    } catch (error) {
      return { ok: false, error: oneLine(error) };
    }
  }
  const services: ServiceObject[] = [];
  let otherObjects = 0;
  const take = (value: unknown): void => {
    if (!isRecord(value)) return;
    const kind = typeof value['kind'] === 'string' ? value['kind'] : 'List';
    const items: unknown = value['items'];
    if (Array.isArray(items) && kind.endsWith('List')) {
      for (const item of items) take(item);
    } else if (value['kind'] === 'Service') services.push(value);
    else otherObjects++;
  };
  for (const document of documents) take(document);
  if (services.length === 0) {
    return {
      ok: false,
      error: 'no Service in the input (expected kubectl get services -A -o yaml or -o json)',
    };
  }
  return { ok: true, services, otherObjects };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parser messages can span lines (js-yaml adds a code snippet): keep the first. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/**
 * What the workload controllers share about the Pods they own: the
 * template hash that tells a current Pod from an old one, a Pod built from
 * a template, and whether a Pod is live, ready or available. Pure.
 */
import { isObject, objectAt, stringAt, type Json, type JsonObject } from '../json.js';

/**
 * The alphabet of Kubernetes' `rand.SafeEncodeString` (no vowels, no
 * look-alike digits), which turns a template hash into a label value such
 * as `pod-template-hash: 7d4b9c8f6`.
 */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A pod template's hash as a label value: FNV-1a (32 bits) of the template,
 * its decimal digits mapped through the safe alphabet, as the Deployment
 * and DaemonSet controllers derive `pod-template-hash` and
 * `controller-revision-hash` (k8s.io/kubernetes pkg/controller
 * controller_utils.go ComputeHash). The hashed text is our canonical JSON,
 * not Go's object dump, so the values differ from a real cluster's; their
 * form and their use (same template, same hash) are the same.
 */
export function templateHash(template: Json): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(canonicalJson(template))) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((digit) => SAFE_ALPHABET[Number(digit)] ?? '').join('');
}

/** JSON text with object keys sorted, so equal values hash alike. */
function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The reference a Pod (or ReplicaSet) holds to the object that controls it. */
export function controllerReference(owner: JsonObject): JsonObject {
  const metadata = objectAt(owner, 'metadata');
  return {
    apiVersion: stringAt(owner, 'apiVersion') ?? '',
    kind: stringAt(owner, 'kind') ?? '',
    name: metadata['name'] ?? '',
    uid: metadata['uid'] ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `object` is controlled by the object with this uid. */
export function isControlledBy(object: JsonObject, uid: string): boolean {
  const references = objectAt(object, 'metadata')['ownerReferences'];
  return (
    Array.isArray(references) &&
    references.some((r) => isObject(r) && r['controller'] === true && r['uid'] === uid)
  );
}

/**
 * A Pod to create from `template`: its labels plus `labels`, owned by
 * `owner`, named `<prefix><random>` by the API server (generateName), as
 * the real controllers name theirs (`speaker-x7k2p`,
 * `controller-7d4b9c8f6-x7k2p`). `spec` overrides parts of the template's
 * spec.
 */
export function podFromTemplate(
  template: JsonObject,
  owner: JsonObject,
  prefix: string,
  labels: Readonly<Record<string, string>>,
  spec: JsonObject = {},
): JsonObject {
  const metadata = objectAt(template, 'metadata');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...metadata,
      generateName: prefix,
      labels: { ...objectAt(metadata, 'labels'), ...labels },
      ownerReferences: [controllerReference(owner)],
    },
    spec: { ...objectAt(template, 'spec'), ...spec },
  };
}

export const nameOf = (object: JsonObject): string =>
  stringAt(objectAt(object, 'metadata'), 'name') ?? '';

export const labelOf = (object: JsonObject, key: string): string | undefined =>
  stringAt(objectAt(objectAt(object, 'metadata'), 'labels'), key);

export const nodeNameOf = (pod: JsonObject): string | undefined =>
  stringAt(objectAt(pod, 'spec'), 'nodeName');

/** Being deleted (deletionTimestamp set): it still holds its node until the kubelet ends it. */
export const isTerminating = (pod: JsonObject): boolean =>
  objectAt(pod, 'metadata')['deletionTimestamp'] !== undefined;

/** Ended for good (restartPolicy Never/OnFailure): counts as no Pod at all. */
const hasFinished = (pod: JsonObject): boolean => {
  const phase = stringAt(objectAt(pod, 'status'), 'phase');
  return phase === 'Succeeded' || phase === 'Failed';
};

/** A Pod that is, or will be, running: neither being deleted nor finished. */
export const isLive = (pod: JsonObject): boolean => !isTerminating(pod) && !hasFinished(pod);

function readyCondition(pod: JsonObject): JsonObject | undefined {
  const conditions = objectAt(pod, 'status')['conditions'];
  return (Array.isArray(conditions) ? conditions : []).find(
    (c): c is JsonObject => isObject(c) && c['type'] === 'Ready',
  );
}

export function isReady(pod: JsonObject): boolean {
  return isLive(pod) && readyCondition(pod)?.['status'] === 'True';
}

/**
 * The availability test of a workload whose spec is `spec`, at `now`:
 * Ready for at least `spec.minReadySeconds` (default 0), what Deployments
 * and DaemonSets count as available.
 */
export function availability(spec: JsonObject, now: Date): (pod: JsonObject) => boolean {
  const minReady = spec['minReadySeconds'];
  const seconds = typeof minReady === 'number' ? minReady : 0;
  return (pod) => {
    if (!isReady(pod)) return false;
    if (seconds <= 0) return true;
    const since = Date.parse(stringAt(readyCondition(pod), 'lastTransitionTime') ?? '');
    return Number.isFinite(since) && now.getTime() - since >= seconds * 1000;
  };
}

/**
 * An IntOrString of a rolling update (`maxUnavailable: 1`, `'25%'`) as a
 * number of Pods out of `total`; percentages round up or down as the
 * caller's controller does.
 */
export function scaledValue(
  value: Json | undefined,
  total: number,
  fallback: number | string,
  round: 'up' | 'down',
): number {
  const given = typeof value === 'number' || typeof value === 'string' ? value : fallback;
  if (typeof given === 'number') return given;
  const percent = /^(\d+)%$/.exec(given);
  if (percent === null) return Number(given) || 0;
  const exact = (Number(percent[1]) * total) / 100;
  return round === 'up' ? Math.ceil(exact) : Math.floor(exact);
}

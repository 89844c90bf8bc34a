/**
 * A Pod as the admission plugins read and default it: plain JSON, its
 * containers in the order kube-apiserver visits them (init containers,
 * containers, ephemeral containers: pkg/api/pod VisitContainersWithPath),
 * each with the field path its errors name, and the few typed reads both
 * plugins need. Objects here are mutable copies, never stored ones.
 */
import { isObject, type Json, type JsonObject } from '../json.js';

export interface PodContainer {
  readonly container: JsonObject;
  /** `spec.containers[0]`, as field errors name it. */
  readonly path: string;
  readonly name: string;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

export function containersOf(spec: JsonObject): PodContainer[] {
  const found: PodContainer[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((container, index) => {
      if (isObject(container))
        found.push({
          container,
          path: `spec.${list}[${index}]`,
          name: typeof container['name'] === 'string' ? container['name'] : '',
        });
    });
  }
  return found;
}

/** `object[key]` as an object, or undefined (unlike json.ts objectAt, absence stays visible). */
export function childAt(object: JsonObject | undefined, key: string): JsonObject | undefined {
  const child = object?.[key];
  return isObject(child) ? child : undefined;
}

/** `object[key]`, created empty when absent (for defaulting into a copy). */
export function ensureChild(object: JsonObject, key: string): JsonObject {
  const child = object[key];
  if (isObject(child)) return child;
  const created: JsonObject = {};
  object[key] = created;
  return created;
}

export function booleanAt(object: JsonObject | undefined, key: string): boolean | undefined {
  const value = object?.[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function integerAt(object: JsonObject | undefined, key: string): number | undefined {
  const value = object?.[key];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** A list of strings, or undefined when the field is absent (an empty list is a value). */
export function stringsAt(object: JsonObject | undefined, key: string): string[] | undefined {
  const value = object?.[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

export function integersAt(object: JsonObject | undefined, key: string): number[] | undefined {
  const value = object?.[key];
  return Array.isArray(value)
    ? value.filter((v): v is number => typeof v === 'number' && Number.isInteger(v))
    : undefined;
}

export function objectsAt(object: JsonObject | undefined, key: string): JsonObject[] {
  const value = object?.[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The pod's annotations as strings (what both plugins read profiles from). */
export function annotationsOf(pod: JsonObject): Record<string, string> {
  const annotations = childAt(childAt(pod, 'metadata'), 'annotations') ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations))
    if (typeof value === 'string') out[key] = value;
  return out;
}

export function setAnnotation(pod: JsonObject, key: string, value: string): void {
  ensureChild(ensureChild(pod, 'metadata'), 'annotations')[key] = value;
}

/** A deep, unfrozen copy of a JSON value. */
export function copyJson<T extends Json>(value: T): T {
  return structuredClone(value);
}

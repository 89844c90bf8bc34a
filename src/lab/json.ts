/** JSON values as the lab stores and serves them. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` as an object, or an empty one. */
export function objectAt(value: Json | undefined, key: string): JsonObject {
  if (!isObject(value)) return {};
  const child = value[key];
  return isObject(child) ? child : {};
}

export function stringAt(value: Json | undefined, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const child = value[key];
  return typeof child === 'string' ? child : undefined;
}

/**
 * Freezes `value` and everything it holds, and returns it. A frozen node is
 * taken to be frozen all the way down (only this function freezes), so
 * freezing a new object built around stored parts walks only the new parts.
 */
export function deepFreeze<T extends Json>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Array.isArray(value) ? value : Object.values(value)) deepFreeze(child);
  return value;
}

/** A scalar as text (what kubectl prints in a table cell); '' for anything else. */
export function text(value: Json | undefined): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

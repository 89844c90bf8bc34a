/**
 * The JSON text of stored objects, made once per revision. A stored object
 * is frozen (see deepFreeze) and so can never change: its text is kept for
 * as long as the object lives, and every response and watch event that
 * carries that revision writes the same text instead of serializing again.
 */
import type { Json } from './json.js';

const texts = new WeakMap<object, string>();

/** JSON.stringify(value), remembered for a frozen object or array. */
export function jsonText(value: Json): string {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value))
    return JSON.stringify(value);
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}

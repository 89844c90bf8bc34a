/**
 * Status conditions as controllers write them: a condition whose status
 * did not change keeps its `lastTransitionTime` (and, with the same
 * reason, its `lastUpdateTime`), so that rewriting an unchanged status is
 * no change at all.
 */
import { isObject, type JsonObject } from './json.js';

export function keepTransitionTimes(current: JsonObject, next: JsonObject): JsonObject {
  const before = Array.isArray(current['conditions']) ? current['conditions'].filter(isObject) : [];
  if (!Array.isArray(next['conditions'])) return next;
  const conditions = next['conditions'].filter(isObject).map((condition) => {
    const old = before.find((c) => c['type'] === condition['type']);
    if (old === undefined || old['status'] !== condition['status']) return condition;
    return {
      ...condition,
      ...(old['lastTransitionTime'] === undefined
        ? {}
        : { lastTransitionTime: old['lastTransitionTime'] }),
      ...(old['reason'] === condition['reason'] && old['lastUpdateTime'] !== undefined
        ? { lastUpdateTime: old['lastUpdateTime'] }
        : {}),
    };
  });
  return { ...next, conditions };
}

/** An API timestamp: RFC 3339 in whole seconds, as the API server writes them. */
export function timestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

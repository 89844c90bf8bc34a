/**
 * The whole `config` ConfigMap's data -> one Config: the `config` key as
 * v0.9 reads it (parse.ts, unchanged), plus the metallb-ts
 * `balancer-classes` key (classes.ts, docs/SCALEOUT.md). Other data keys are
 * ignored, as v0.9 ignores them.
 */
import { CLASSES_KEY, parseBalancerClasses } from './classes.js';
import { parseConfig } from './parse.js';
import type { ConfigResult } from './types.js';

/** The data key v0.9 reads its config from. */
export const CONFIG_KEY = 'config';

/**
 * The ConfigMap, beside the `config` one, where the metallb-ts controller
 * keeps the data of the last config it accepted, so that a restart refuses
 * what the running controller refused (v0.9 kept it only in memory).
 */
export const LAST_ACCEPTED_CONFIG_MAP = 'metallb-ts-last-accepted';

export interface DataParseOptions {
  /**
   * Per data key, added to the lines of its errors: the key's first line is
   * line `offset + 1` of the file it came from (a manifest's `key: |` block).
   */
  readonly lineOffsets?: { readonly config?: number; readonly 'balancer-classes'?: number };
}

/**
 * Parses both keys; never throws. The result is the Config with its
 * `balancerClasses`, or every error of both keys: those of `config` first,
 * exactly as parseConfig gives them, then those of `balancer-classes`
 * (paths starting with `balancer-classes`). Without a `balancer-classes`
 * key the result is parseConfig's own. A missing `config` key reads as an
 * empty config, as the daemons always read it.
 */
export function parseConfigData(
  data: Readonly<Record<string, string>>,
  options: DataParseOptions = {},
): ConfigResult {
  const base = parseConfig(ownValue(data, CONFIG_KEY) ?? '', {
    lineOffset: options.lineOffsets?.config ?? 0,
  });
  const classesText = ownValue(data, CLASSES_KEY);
  if (classesText === undefined) return base;
  // Class names and addresses are checked against the pools only when the pools are known.
  const classes = parseBalancerClasses(classesText, base.ok ? base.config.pools : null, {
    lineOffset: options.lineOffsets?.[CLASSES_KEY] ?? 0,
  });
  if (!base.ok) {
    return { ok: false, errors: [...base.errors, ...(classes.ok ? [] : classes.errors)] };
  }
  if (!classes.ok) return classes;
  return { ...base, config: { ...base.config, balancerClasses: classes.classes } };
}

/** A data value the object holds itself (not one inherited from Object.prototype). */
function ownValue(data: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(data, key) ? data[key] : undefined;
}

/**
 * A config file as the user gives it -> the Config inside it, or errors
 * whose lines point into that file. Shared by `config validate`, `plan` and
 * `migrate`. A ConfigMap's `balancer-classes` key (docs/SCALEOUT.md) is read
 * with its `config` key, as the daemons read them.
 */
import {
  CLASSES_KEY,
  parseConfigData,
  type Config,
  type ConfigError,
  type ConfigWarning,
} from '../config/index.js';
import { findConfig } from './input.js';
import { decodeText } from './text.js';

/** What the lines of an input's errors count from. */
export interface LineOrigins {
  /** The `config` key's errors and the input's own: lines of the file, or within data.config. */
  readonly linesRelativeTo: 'file' | 'config';
  /** The `balancer-classes` key's errors; null when the input has no such key. */
  readonly classesLinesRelativeTo: 'file' | 'balancer-classes' | null;
}

/** Bytes -> text -> the config inside -> a Config (and its warnings) or errors. */
export type ConfigInput = LineOrigins &
  (
    | { ok: true; config: Config; warnings: readonly ConfigWarning[] }
    | { ok: false; errors: readonly ConfigError[] }
  );

const inputError = (error: ConfigError): ConfigInput => ({
  linesRelativeTo: 'file',
  classesLinesRelativeTo: null,
  ok: false,
  errors: [error],
});

export function loadConfigInput(bytes: Buffer, name: string | undefined): ConfigInput {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return inputError(decoded.error);
  if (decoded.text.trim() === '') {
    return inputError({
      path: '',
      line: null,
      message: 'the input is empty: expected a MetalLB config or a ConfigMap holding one',
    });
  }
  const found = findConfig(decoded.text, name);
  if (!found.ok) {
    return {
      linesRelativeTo: 'file',
      classesLinesRelativeTo: null,
      ok: false,
      errors: found.errors,
    };
  }
  const { text, lineOffset, classes } = found.found;
  if (text.trim() === '') {
    return inputError({
      path: 'data.config',
      line: null,
      message: `${found.found.origin} has an empty config`,
    });
  }
  const origins: LineOrigins = {
    linesRelativeTo: lineOffset === null ? 'config' : 'file',
    classesLinesRelativeTo:
      classes === null ? null : classes.lineOffset === null ? CLASSES_KEY : 'file',
  };
  const data: Record<string, string> =
    classes === null ? { config: text } : { config: text, [CLASSES_KEY]: classes.text };
  const result = parseConfigData(data, {
    lineOffsets: { config: lineOffset ?? 0, [CLASSES_KEY]: classes?.lineOffset ?? 0 },
  });
  return result.ok
    ? { ...origins, ok: true, config: result.config, warnings: result.warnings }
    : { ...origins, ok: false, errors: result.errors };
}

/** Whether an error is one of the `balancer-classes` key's (its path starts with the key). */
export function isClassesError(error: ConfigError): boolean {
  return error.path === CLASSES_KEY || /^balancer-classes[[.]/.test(error.path);
}

/** `path (line N): message`; the input's name stands in for an empty path. A warning reads alike. */
export function errorLine(
  error: ConfigError | ConfigWarning,
  label: string,
  origins: LineOrigins,
): string {
  const where = error.path === '' ? label : error.path;
  // Without a classes key, a `balancer-classes` path is the config key's own (a key put inside its text).
  const relativeTo =
    isClassesError(error) && origins.classesLinesRelativeTo !== null
      ? origins.classesLinesRelativeTo
      : origins.linesRelativeTo;
  const line =
    error.line === null
      ? ''
      : relativeTo === 'file'
        ? ` (line ${error.line})`
        : ` (line ${error.line} of data.${relativeTo})`;
  return `${where}${line}: ${error.message}`;
}

/**
 * A config file as the user gives it -> the Config inside it, or errors
 * whose lines point into that file. Shared by `config validate` and `plan`.
 */
import { parseConfig, type Config, type ConfigError } from '../config/index.js';
import { findConfig } from './input.js';
import { decodeText } from './text.js';

/** Bytes -> text -> the config inside -> a Config or errors. */
export type ConfigInput = { linesRelativeTo: 'file' | 'config' } & (
  { ok: true; config: Config } | { ok: false; errors: readonly ConfigError[] }
);

export function loadConfigInput(bytes: Buffer, name: string | undefined): ConfigInput {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return { linesRelativeTo: 'file', ok: false, errors: [decoded.error] };
  if (decoded.text.trim() === '') {
    return {
      linesRelativeTo: 'file',
      ok: false,
      errors: [
        {
          path: '',
          line: null,
          message: 'the input is empty: expected a MetalLB config or a ConfigMap holding one',
        },
      ],
    };
  }
  const found = findConfig(decoded.text, name);
  if (!found.ok) return { linesRelativeTo: 'file', ok: false, errors: found.errors };
  const { text, lineOffset } = found.found;
  const linesRelativeTo = lineOffset === null ? 'config' : 'file';
  if (text.trim() === '') {
    return {
      linesRelativeTo: 'file',
      ok: false,
      errors: [
        { path: 'data.config', line: null, message: `${found.found.origin} has an empty config` },
      ],
    };
  }
  const result = parseConfig(text, { lineOffset: lineOffset ?? 0 });
  return result.ok
    ? { linesRelativeTo, ok: true, config: result.config }
    : { linesRelativeTo, ok: false, errors: result.errors };
}

/** `path (line N): message`; the input's name stands in for an empty path. */
export function errorLine(
  error: ConfigError,
  label: string,
  linesRelativeTo: 'file' | 'config',
): string {
  const where = error.path === '' ? label : error.path;
  const line =
    error.line === null
      ? ''
      : linesRelativeTo === 'file'
        ? ` (line ${error.line})`
        : ` (line ${error.line} of data.config)`;
  return `${where}${line}: ${error.message}`;
}

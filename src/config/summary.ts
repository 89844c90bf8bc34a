/**
 * A config's errors (or warnings) on one line, for logs and Events: each as
 * its key path (or `config` for the document), its line when known, and the
 * message.
 */
import type { ConfigError, ConfigWarning } from './types.js';

export function summarizeErrors(errors: readonly (ConfigError | ConfigWarning)[]): string {
  return errors
    .map(
      (e) =>
        `${e.path === '' ? 'config' : e.path}${e.line === null ? '' : ` (line ${e.line})`}: ${e.message}`,
    )
    .join('; ');
}

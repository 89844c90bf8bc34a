/**
 * An environment variable's bytes as the process received them. Node
 * decodes `process.env` as UTF-8 and puts U+FFFD where the bytes are not
 * UTF-8; Go's os.Getenv, which v0.9's speaker reads METALLB_ML_SECRET_KEY
 * with (speaker/main.go), keeps them. A Secret's data is bytes
 * (secretKeyRef hands them over as they are), so a secret that is not
 * UTF-8 would give Node and Go speakers different keys: two gossip
 * clusters. Linux keeps the environment the process was started with in
 * /proc/self/environ (proc(5)): NUL-terminated `NAME=value` entries.
 */
import { readFileSync } from 'node:fs';

/** The value bytes of `name`'s entry in an environ block (the first, as getenv(3) finds it). */
export function environEntry(environ: Uint8Array, name: string): Uint8Array | undefined {
  const prefix = Buffer.from(`${name}=`, 'utf8');
  let start = 0;
  while (start < environ.length) {
    let end = environ.indexOf(0, start);
    if (end < 0) end = environ.length;
    const entry = environ.subarray(start, end);
    if (entry.length >= prefix.length && prefix.equals(entry.subarray(0, prefix.length)))
      return entry.subarray(prefix.length);
    start = end + 1;
  }
  return undefined;
}

/** /proc/self/environ, or undefined where there is none (not Linux, no /proc). */
function readEnviron(): Uint8Array | undefined {
  try {
    return readFileSync('/proc/self/environ');
  } catch {
    return undefined;
  }
}

/**
 * `name`'s value: its bytes as received when they are what `env` holds
 * (decoded as Node decodes them), else `env`'s text (a value set since the
 * start, or no /proc), undefined when unset.
 */
export function rawEnvironmentValue(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  environ: Uint8Array | undefined = readEnviron(),
): string | Uint8Array | undefined {
  const text = env[name];
  if (text === undefined) return undefined;
  const raw = environ === undefined ? undefined : environEntry(environ, name);
  return raw !== undefined && Buffer.from(raw).toString('utf8') === text ? raw : text;
}

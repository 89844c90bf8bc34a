/**
 * A small Go program run as a judge: `go run` over one source file in
 * GOPATH mode (Debian's Go sources, nothing fetched; goEnv from the
 * memberlist Go peer's harness), one JSON request per line in, one JSON
 * verdict per line out.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goEnv, GOCODE } from 'memberlist-ts/testing';

/**
 * The judge's verdicts on `requests`, in their order; `name` names its build
 * cache, `args` go to the program.
 */
export function runGoJudge<V>(
  name: string,
  source: string,
  requests: readonly unknown[],
  args: readonly string[] = [],
): Promise<V[]> {
  const cache = join(tmpdir(), `metallb-ts-${name}`);
  mkdirSync(cache, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = execFile(
      'go',
      ['run', source, ...args],
      { cwd: cache, env: goEnv(GOCODE, cache), maxBuffer: 64 << 20, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${name} failed: ${stderr}`));
        else
          resolve(
            stdout
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line) as V),
          );
      },
    );
    child.stdin?.end(requests.map((request) => JSON.stringify(request)).join('\n') + '\n');
  });
}

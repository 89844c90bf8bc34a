/**
 * go-yaml v2 as a judge: Debian's golang-gopkg-yaml.v2-dev (v2.4.0, the
 * version MetalLB v0.9.6 pins) driven by test/lab/go/yamljudge, built in
 * GOPATH mode with the Go peer's offline environment, nothing fetched.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goEnv, GOCODE } from 'memberlist-ts/testing';
import { ROOT } from './paths.js';

const JUDGE = join(ROOT, 'test', 'lab', 'go', 'yamljudge', 'main.go');

/** v0.9.6's config struct as the judge prints it (json names = yaml names). */
export interface GoConfig {
  peers: Record<string, unknown>[] | null;
  'bgp-communities': Record<string, string> | null;
  'address-pools': Record<string, unknown>[] | null;
}

export interface GoVerdict {
  ok: boolean;
  error?: string;
  /** With `asConfig`: the decoded config. */
  config?: GoConfig;
}

/** Whether Go and Debian's yaml.v2 sources are here (tests skip without them). */
export function goYamlJudgeAvailable(): boolean {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
  return go && existsSync(join(GOCODE, 'src', 'gopkg.in', 'yaml.v2', 'decode.go'));
}

/**
 * Decodes each document with go-yaml: into interface{} (as kube-apiserver
 * reads a YAML body), or with `asConfig` strictly into v0.9.6's config struct.
 */
export function goYamlJudge(documents: readonly string[], asConfig = false): Promise<GoVerdict[]> {
  const cache = join(tmpdir(), 'metallb-ts-yamljudge');
  mkdirSync(cache, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = execFile(
      'go',
      ['run', JUDGE, ...(asConfig ? ['-config'] : [])],
      { env: goEnv(GOCODE, cache), maxBuffer: 64 << 20, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`yamljudge failed: ${stderr}`));
        else
          resolve(
            stdout
              .trim()
              .split('\n')
              .map((line) => JSON.parse(line) as GoVerdict),
          );
      },
    );
    child.stdin?.end(documents.map((document) => JSON.stringify(document)).join('\n') + '\n');
  });
}

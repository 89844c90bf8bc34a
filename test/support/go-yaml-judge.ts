/**
 * go-yaml v2 as a judge: Debian's golang-gopkg-yaml.v2-dev (v2.4.0, the
 * version MetalLB v0.9.6 pins) driven by test/lab/go/yamljudge, built in
 * GOPATH mode with the Go peer's offline environment (go-judge.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GOCODE } from 'memberlist-ts/testing';
import { runGoJudge } from './go-judge.js';
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
  /** From goYamlValues: the decoded value, as JSON (mapping keys as text). */
  value?: unknown;
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
  return runGoJudge<GoVerdict>('yamljudge', JUDGE, documents, asConfig ? ['-config'] : []);
}

/** Decodes each document into interface{} as kubectl reads a file, with the value it gives. */
export function goYamlValues(documents: readonly string[]): Promise<GoVerdict[]> {
  return runGoJudge<GoVerdict>('yamljudge', JUDGE, documents, ['-value']);
}

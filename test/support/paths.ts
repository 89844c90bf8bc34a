/** Folders the tests read from, wherever the compiled test file runs. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('dist')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root');
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot();
export const FIXTURES = join(ROOT, 'test', 'fixtures');
/** What this project wrote down about MetalLB's own files (test/upstream/ holds it against them). */
export const UPSTREAM_FACTS = join(FIXTURES, 'upstream-facts');
/** v0.9 configs written here, covering what MetalLB v0.9.6's example configs show. */
export const SAMPLES = join(FIXTURES, 'samples');

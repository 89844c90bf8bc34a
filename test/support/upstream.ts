/**
 * The upstream comparison tier: MetalLB's own files, which this repository
 * does not hold, read from `../shared` beside the checkout where a
 * developer or CI has it. Every other test runs from a fresh clone alone;
 * a suite declared here runs only where the files are, and is reported as
 * skipped, with the reason, where they are not.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface UpstreamFiles {
  /** MetalLB v0.9.6's manifests/ folder: metallb.yaml, namespace.yaml and the example configs. */
  readonly v09Manifests: string;
  /** Current MetalLB's CRD schemas (metallb.io_*.yaml), what `migrate to-crds` writes for. */
  readonly crds: string;
}

const SHARED = join(ROOT, '..', 'shared');
const FILES: UpstreamFiles = {
  v09Manifests: join(SHARED, 'upstream-v0.9', 'manifests'),
  crds: join(SHARED, 'upstream-crds-v0.15'),
};

/** The folders, or why the comparison cannot run here. */
export function upstreamFiles(): { files: UpstreamFiles } | { missing: string } {
  for (const [folder, path] of [
    ['../shared/upstream-v0.9', FILES.v09Manifests],
    ['../shared/upstream-crds-v0.15', FILES.crds],
  ] as const)
    if (!existsSync(path)) return { missing: `${folder} is not beside the checkout` };
  return { files: FILES };
}

/**
 * `describe('upstream comparison (../shared): WHAT')` whose tests `body`
 * declares with the folders; without them, one skipped test that says why.
 */
export function describeUpstream(what: string, body: (files: UpstreamFiles) => void): void {
  describe(`upstream comparison (../shared): ${what}`, () => {
    const found = upstreamFiles();
    if ('missing' in found) {
      it.skip(`upstream comparison skipped: ${found.missing}`);
      return;
    }
    body(found.files);
  });
}

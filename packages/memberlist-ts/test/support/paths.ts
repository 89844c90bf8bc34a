/**
 * Folders of this package that the tests read. Tests always run compiled,
 * from dist/test/, so the package root is a fixed three levels up from
 * dist/test/support/.
 */
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Traffic captured from HashiCorp memberlist (Go) nodes, with its decodings. */
export const VECTORS = fileURLToPath(new URL('../../../test/vectors/', import.meta.url));

/** The `metallb-ts` command line. */
export { run } from './run.js';
export { processIO, type CliIO } from './io.js';
export { findConfig, type FoundConfig } from './input.js';

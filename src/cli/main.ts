#!/usr/bin/env node
/** Entry point of the `metallb-ts` binary. */
import { processIO } from './io.js';
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), processIO());

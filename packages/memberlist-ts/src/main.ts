#!/usr/bin/env node
/** The `memberlist-ts` command: one member printing JSON lines (command.ts). */
import { memberCommand } from './command.js';

process.exitCode = await memberCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});

/**
 * The one way this folder, its tests and the router harness run a command
 * line tool: argv straight to execFile (never a shell, so no argument is
 * ever parsed twice), always with a time limit, and a non-zero exit turned
 * into an error only where the caller says so.
 */
import { execFile, spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit code; a process killed by a signal counts as 128 + its number, like a shell says. */
  code: number;
}

export const COMMAND_TIMEOUT_MS = 30_000;
/** A router's whole RIB as JSON (bench/bgp: 10,000 routes) fits with room to spare. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function quoteArgument(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** argv as one line a person can paste into a shell (for messages only). */
export function describeCommand(argv: readonly string[]): string {
  return argv.map(quoteArgument).join(' ');
}

/** A command that exited non-zero (or could not run); the message quotes it and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult | undefined,
    why: string,
  ) {
    super(`command failed (${why}): ${describeCommand(argv)}`);
    this.name = 'CommandError';
  }
}

function signalCode(signal: NodeJS.Signals | null | undefined): number {
  return 128 + (signal ? osConstants.signals[signal] : 0);
}

/**
 * Runs argv; resolves with the exit code whatever it is; rejects (with a
 * CommandError) only when it cannot run or gives no answer in timeoutMs.
 */
export function run(
  argv: readonly string[],
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        if (typeof error.code === 'string') {
          const why = error.code === 'ENOENT' ? `${file} not found` : error.code;
          reject(new CommandError(argv, { stdout, stderr, code: -1 }, why));
          return;
        }
        if (error.killed && error.signal === 'SIGTERM') {
          reject(
            new CommandError(argv, { stdout, stderr, code: -1 }, `no answer in ${timeoutMs} ms`),
          );
          return;
        }
        resolve({ stdout, stderr, code: error.code ?? signalCode(error.signal) });
      },
    );
  });
}

/** Like run(), but an exit that `accept` does not accept is an error quoting the command. */
export async function runAccepting(
  argv: readonly string[],
  accept: (result: CommandResult) => boolean,
  timeoutMs?: number,
): Promise<CommandResult> {
  const result = await run(argv, timeoutMs);
  if (!accept(result)) {
    const said = (result.stderr || result.stdout).trim().slice(0, 2_000);
    throw new CommandError(argv, result, `exit ${result.code}: ${said}`);
  }
  return result;
}

/** Like run(), but a non-zero exit is an error quoting the command and its stderr; resolves with stdout. */
export async function mustRun(argv: readonly string[], timeoutMs?: number): Promise<string> {
  return (await runAccepting(argv, (result) => result.code === 0, timeoutMs)).stdout;
}

/** For cleanup on process exit, where nothing asynchronous runs any more. */
export function runSync(argv: readonly string[]): CommandResult {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty command');
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error) throw new CommandError(argv, undefined, result.error.message);
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    code: result.status ?? signalCode(result.signal),
  };
}

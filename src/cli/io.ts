/**
 * The outside world of the CLI, passed in so commands can be tested
 * without a process: output streams and reading an input.
 */
import { open } from 'node:fs/promises';

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads a file, or standard input for `-`, up to a size; rejects with a readable Error. */
  readonly readInput: (file: string, limit?: InputLimit) => Promise<Buffer>;
  /** True when standard input is a terminal (nothing piped in). */
  readonly stdinIsTerminal: boolean;
}

/** How much an input may hold, and what it is, for the message when it holds more. */
export interface InputLimit {
  readonly bytes: number;
  readonly why: string;
}

/** Kubernetes caps a ConfigMap at 1 MiB; anything far larger is not one (and /dev/zero never ends). */
export const CONFIG_LIMIT: InputLimit = { bytes: 16 * 1024 * 1024, why: 'that is no ConfigMap' };

export class InputError extends Error {}

async function readCapped(
  chunks: AsyncIterable<Buffer | string>,
  label: string,
  limit: InputLimit,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit.bytes) {
      throw new InputError(
        `${label} is larger than ${limit.bytes / 1024 / 1024} MiB: ${limit.why}`,
      );
    }
    parts.push(buffer);
  }
  return Buffer.concat(parts);
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdinIsTerminal: process.stdin.isTTY === true,
    readInput: async (file, limit = CONFIG_LIMIT) => {
      if (file === '-') return readCapped(process.stdin, 'standard input', limit);
      try {
        const handle = await open(file, 'r');
        try {
          return await readCapped(handle.createReadStream({ autoClose: false }), file, limit);
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`cannot read ${file}: ${reason(error)}`);
      }
    },
  };
}

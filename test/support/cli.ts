/** The CLI run in process, its output captured (what a shell would show). */
import { processIO, run, type CliIO } from '../../src/cli/index.js';

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `stdinIsTerminal` pretends standard input is (or is not) a terminal; by default it is what it is. */
export async function runCli(
  args: readonly string[],
  options: { readonly stdinIsTerminal?: boolean } = {},
): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    ...processIO(),
    ...options,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  };
  const code = await run([...args], io);
  return { code, stdout, stderr };
}

/**
 * How every long-running command lives: start, or say why it cannot and
 * exit 1; then serve until SIGTERM or SIGINT, log the shutdown, stop.
 */
import type { CliIO } from './io.js';

export async function runUntilSignalled(
  command: string,
  io: CliIO,
  start: () => Promise<{ stop(): Promise<void> }>,
  onSignal: () => void,
): Promise<number> {
  let running: { stop(): Promise<void> };
  try {
    running = await start();
  } catch (error) {
    io.stderr(
      `metallb-ts ${command}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  onSignal();
  await running.stop();
  return 0;
}

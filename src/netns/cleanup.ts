/**
 * One set of process-wide hooks for everything this folder builds: what is
 * still there when the process exits or is told to stop (SIGINT, SIGTERM,
 * SIGHUP) is removed synchronously, so an interrupted test run leaves no
 * namespace, link or child process behind. (A SIGKILLed run cannot clean
 * up; the LAN lock removes its topology on the next run.)
 */

/** Something removable without waiting: nothing asynchronous runs in an exit handler. */
export interface Removable {
  destroySync(): void;
}

const live = new Set<Removable>();
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function cleanUpAll(): void {
  for (const removable of [...live]) {
    try {
      removable.destroySync();
    } catch (error) {
      process.stderr.write(`netns cleanup: ${(error as Error).message}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUpAll();
  uninstallHooks();
  // Other listeners decide what the signal means to them; with none left, do
  // what it would have done without us: end the process by that signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  process.on('exit', cleanUpAll);
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
}

function uninstallHooks(): void {
  process.off('exit', cleanUpAll);
  for (const signal of CLEANUP_SIGNALS) process.off(signal, onSignal);
}

/** Removes `removable` when the process ends, unless forgotten first. */
export function removeAtExit(removable: Removable): void {
  if (live.size === 0) installHooks();
  live.add(removable);
}

/** Called once it is removed (its destroySync() calls this too). */
export function forget(removable: Removable): void {
  if (!live.delete(removable)) return;
  if (live.size === 0) uninstallHooks();
}

/**
 * What every router kind does the same way with its processes: stop them
 * (in order) and remove the folder, restart, and signal the BGP daemon.
 */
import { removeFolder, type Daemon } from './process.js';
import type { RouterKind } from './types.js';

export abstract class RouterProcess {
  abstract readonly kind: RouterKind;
  /** The router's temporary folder (config, sockets, logs) while it exists. */
  protected folder: string | undefined;

  /** The BGP daemon: the one pid(), pause() and resume() act on. */
  protected abstract get bgpDaemon(): Daemon | undefined;
  /** Every daemon of the router, in the order they are stopped. */
  protected abstract get daemons(): readonly (Daemon | undefined)[];

  abstract start(): Promise<void>;

  async stop(): Promise<void> {
    for (const daemon of this.daemons) await daemon?.stop();
    if (this.folder !== undefined) removeFolder(this.folder);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  pid(): number {
    const daemon = this.bgpDaemon;
    if (daemon === undefined) throw new Error(`${this.kind} was never started`);
    return daemon.pid();
  }

  running(): boolean {
    return this.bgpDaemon?.running() ?? false;
  }

  pause(): void {
    process.kill(this.pid(), 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.pid(), 'SIGCONT');
  }
}

/**
 * One container of a Pod as the kubelet keeps it going: start its process,
 * follow it with its probes, restart it after an exit (restartPolicy
 * Always, or OnFailure after a failure) with the CrashLoopBackOff waits,
 * and end it on termination (SIGTERM, then SIGKILL when the grace period
 * is over). What it does is reported through `changed`; the Pod worker
 * turns that into the Pod's status.
 */
import type { ChildProcess } from 'node:child_process';
import { RestartBackOff } from './backoff.js';
import type { ContainerState, ContainerView } from './pod-status.js';
import { Prober, type ProbeSpec } from './probe.js';

/** What a start needs, prepared afresh for each start (the environment may have changed). */
export type Launch =
  | { readonly ok: true; readonly start: () => ChildProcess }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly message: string;
      readonly retry: boolean;
    };

export interface ContainerOptions {
  readonly name: string;
  readonly image: string;
  readonly restartPolicy: string;
  readonly prepare: () => Launch;
  readonly readiness: ProbeSpec | undefined;
  readonly liveness: ProbeSpec | undefined;
  readonly changed: () => void;
  /** How long to wait before preparing again after a launch that may succeed later. */
  readonly retryMs: number;
  /** The Pod's terminationGracePeriodSeconds, for a kill after a failed liveness probe. */
  readonly graceMs: number;
}

export class Container {
  private state: ContainerState = { kind: 'waiting', reason: 'ContainerCreating' };
  private lastState: ContainerState | undefined;
  private ready = false;
  private restartCount = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly backOff = new RestartBackOff();
  private timer: NodeJS.Timeout | undefined;
  private probes: Prober[] = [];
  private ending = false;

  constructor(private readonly options: ContainerOptions) {}

  get view(): ContainerView {
    return {
      name: this.options.name,
      image: this.options.image,
      state: this.state,
      ...(this.lastState === undefined ? {} : { lastState: this.lastState }),
      ready: this.ready,
      restartCount: this.restartCount,
    };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.ending) return;
    const launch = this.options.prepare();
    if (!launch.ok) {
      this.state = { kind: 'waiting', reason: launch.reason, message: launch.message };
      if (launch.retry) this.later(this.options.retryMs, () => this.start());
      this.options.changed();
      return;
    }
    const startedAt = new Date();
    const child = launch.start();
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(startedAt, code, signal);
        resolve();
      });
      child.once('error', (error) => {
        this.state = { kind: 'waiting', reason: 'RunContainerError', message: error.message };
        this.options.changed();
        resolve();
      });
    });
    this.state = { kind: 'running', startedAt };
    this.ready = this.options.readiness === undefined;
    const { readiness, liveness } = this.options;
    if (readiness !== undefined)
      this.probes.push(
        new Prober(readiness, false, (passing) => {
          this.ready = passing;
          this.options.changed();
        }),
      );
    if (liveness !== undefined)
      this.probes.push(
        new Prober(liveness, true, (passing) => {
          // A failed liveness probe: the kubelet kills the container within the
          // Pod's grace period, and it then restarts.
          if (passing) return;
          child.kill('SIGTERM');
          const late = setTimeout(() => child.kill('SIGKILL'), this.options.graceMs);
          child.once('exit', () => clearTimeout(late));
        }),
      );
    this.options.changed();
  }

  /** Ends the process: SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. Nothing restarts after. */
  async end(graceMs: number): Promise<void> {
    this.ending = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.stopProbes();
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(graceMs <= 0 ? 'SIGKILL' : 'SIGTERM');
    const late = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(late);
  }

  private onExit(startedAt: Date, code: number | null, signal: NodeJS.Signals | null): void {
    this.stopProbes();
    this.ready = false;
    this.child = undefined;
    const finishedAt = new Date();
    const terminated: ContainerState = {
      kind: 'terminated',
      exitCode: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
      ...(signal === null ? {} : { signal }),
      startedAt,
      finishedAt,
    };
    const policy = this.options.restartPolicy;
    const restarts =
      !this.ending &&
      (policy === 'Always' || (policy === 'OnFailure' && terminated.exitCode !== 0));
    if (!restarts) {
      this.state = terminated;
      this.options.changed();
      return;
    }
    this.lastState = terminated;
    const delay = this.backOff.next(startedAt.getTime(), finishedAt.getTime());
    this.state = {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.options.name}`,
    };
    this.later(delay, () => {
      this.restartCount++;
      this.start();
    });
    this.options.changed();
  }

  private later(ms: number, run: () => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, ms);
  }

  private stopProbes(): void {
    for (const probe of this.probes) probe.stop();
    this.probes = [];
  }
}

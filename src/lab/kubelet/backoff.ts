/**
 * The kubelet's restart back-off for a container that keeps exiting
 * (CrashLoopBackOff), pure: the first restart at once, then waits of 10 s
 * doubling up to 5 minutes; a container that ran 10 minutes before it
 * exited starts again from the beginning
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts).
 */
export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;
export const RESET_AFTER_MS = 600_000;

export class RestartBackOff {
  /** The wait before the restart after the next exit; 0 until the first restart. */
  private wait = 0;

  /** The container, started at `startedAt`, exited at `exitedAt`: how long until it starts again. */
  next(startedAt: number, exitedAt: number): number {
    if (exitedAt - startedAt >= RESET_AFTER_MS) this.wait = 0;
    const delay = this.wait;
    this.wait = delay === 0 ? INITIAL_BACKOFF_MS : Math.min(delay * 2, MAX_BACKOFF_MS);
    return delay;
  }
}

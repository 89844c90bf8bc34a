/**
 * Lifeguard's local health score (memberlist awareness.go): failed probes
 * and refutations make a node doubt itself and slow down, so an overloaded
 * node does not accuse healthy peers. 0 is healthy; the score stays within
 * [0, max - 1] and multiplies probe intervals by (score + 1).
 */
export class Awareness {
  private score = 0;

  /** @param max memberlist `AwarenessMaxMultiplier`, 8 by default. */
  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    this.score = Math.min(this.max - 1, Math.max(0, this.score + delta));
  }

  get health(): number {
    return this.score;
  }

  scale(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }
}

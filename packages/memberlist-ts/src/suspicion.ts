/**
 * The confirmation-based suspicion timer of Lifeguard, as memberlist's
 * suspicion.go runs it: a suspect starts with the long timeout `max` when k
 * independent confirmations are expected, and each distinct confirming node
 * shortens it on a log scale down to `min`:
 *   timeout(c) = max(min, max - ln(c + 1) / ln(k + 1) * (max - min)).
 * With k < 1 the timer starts at `min` and confirmations change nothing.
 */
export class Suspicion {
  private readonly confirmedBy = new Set<string>();
  private confirmations = 0;
  private readonly start: number;
  private deadlineAt: number;

  /**
   * @param from the node that raised the suspicion; it cannot confirm it.
   * @param k confirmations expected.
   * @param minMs shortest timeout, reached with k confirmations.
   * @param maxMs starting timeout when confirmations are expected.
   */
  constructor(
    from: string,
    private readonly k: number,
    private readonly minMs: number,
    private readonly maxMs: number,
    now: number,
  ) {
    this.start = now;
    this.confirmedBy.add(from);
    this.deadlineAt = now + (k < 1 ? minMs : maxMs);
  }

  /** Absolute time at which the suspect is declared dead. */
  get deadline(): number {
    return this.deadlineAt;
  }

  get confirmationCount(): number {
    return this.confirmations;
  }

  /**
   * Counts a confirmation from `from`. Returns true when it was new (the
   * caller re-gossips the suspicion then) and the deadline may have moved.
   */
  confirm(from: string): boolean {
    if (this.confirmations >= this.k) return false;
    if (this.confirmedBy.has(from)) return false;
    this.confirmedBy.add(from);
    this.confirmations += 1;
    const fraction = Math.log(this.confirmations + 1) / Math.log(this.k + 1);
    const raw = this.maxMs - fraction * (this.maxMs - this.minMs);
    this.deadlineAt = this.start + Math.max(this.minMs, Math.floor(raw));
    return true;
  }
}

/**
 * memberlist `suspicionTimeout`: mult x max(1, log10(n)) x probe interval,
 * so larger clusters, where gossip needs more rounds, wait longer.
 */
export function suspicionTimeout(
  suspicionMult: number,
  nodes: number,
  probeIntervalMs: number,
): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, nodes)));
  return Math.floor((suspicionMult * Math.floor(nodeScale * 1000) * probeIntervalMs) / 1000);
}

/** memberlist `retransmitLimit`: mult x ceil(log10(n + 1)). */
export function retransmitLimit(retransmitMult: number, nodes: number): number {
  return retransmitMult * Math.ceil(Math.log10(nodes + 1));
}

/** memberlist `pushPullScale`: push/pull slows down beyond 32 nodes. */
export function pushPullScale(intervalMs: number, nodes: number): number {
  const threshold = 32;
  if (nodes <= threshold) return intervalMs;
  return (Math.ceil(Math.log2(nodes) - Math.log2(threshold)) + 1) * intervalMs;
}

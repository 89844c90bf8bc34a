/**
 * The gossip queue (memberlist `TransmitLimitedQueue`): every alive, suspect
 * and dead message is retransmitted a limited number of times, piggybacked
 * on pings, acks and gossip datagrams. The least transmitted go first, then
 * the largest, then the newest; a newer message about a node replaces the
 * older one, which would only spread stale news.
 */

interface Queued {
  readonly id: number;
  /** The node the message is about: a newer message about it invalidates this one. */
  readonly node: string;
  readonly bytes: Uint8Array;
  transmits: number;
  /** Called once when the message is dropped: sent enough times or replaced. */
  readonly finished: (() => void) | undefined;
}

export class BroadcastQueue {
  private queue: Queued[] = [];
  private lastId = 0;

  /**
   * Queues an encoded message about `node`, replacing any queued one about
   * the same node. `finished` runs when it has been sent enough or replaced.
   */
  enqueue(node: string, bytes: Uint8Array, finished?: () => void): void {
    const kept: Queued[] = [];
    for (const item of this.queue) {
      if (item.node === node) item.finished?.();
      else kept.push(item);
    }
    kept.push({ id: ++this.lastId, node, bytes, transmits: 0, finished });
    this.queue = kept;
  }

  /**
   * Takes messages for one datagram: as many as fit in `limit` bytes, each
   * costing `overhead` bytes of compound framing on top of its length.
   * `transmitLimit` is how many times a message is sent before it is dropped.
   */
  take(overhead: number, limit: number, transmitLimit: number): Uint8Array[] {
    if (this.queue.length === 0) return [];
    this.queue.sort(
      (a, b) => a.transmits - b.transmits || b.bytes.length - a.bytes.length || b.id - a.id,
    );
    const taken: Uint8Array[] = [];
    let used = 0;
    const kept: Queued[] = [];
    for (const item of this.queue) {
      if (used + overhead + item.bytes.length > limit) {
        kept.push(item);
        continue;
      }
      used += overhead + item.bytes.length;
      taken.push(item.bytes);
      item.transmits += 1;
      if (item.transmits >= transmitLimit) item.finished?.();
      else kept.push(item);
    }
    this.queue = kept;
    return taken;
  }

  get length(): number {
    return this.queue.length;
  }

  /** Drops everything (shutdown), telling waiters their messages are gone. */
  reset(): void {
    for (const item of this.queue) item.finished?.();
    this.queue = [];
  }
}

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
  /** By node: at most one message per node is ever queued. */
  private readonly queue = new Map<string, Queued>();
  private lastId = 0;

  /**
   * Queues an encoded message about `node`, replacing any queued one about
   * the same node. `finished` runs when it has been sent enough or replaced.
   * Constant time, so merging a push/pull of many nodes stays linear.
   */
  enqueue(node: string, bytes: Uint8Array, finished?: () => void): void {
    this.queue.get(node)?.finished?.();
    this.queue.delete(node);
    this.queue.set(node, { id: ++this.lastId, node, bytes, transmits: 0, finished });
  }

  /**
   * Takes messages for one datagram: as many as fit in `limit` bytes, each
   * costing `overhead` bytes of compound framing on top of its length.
   * `transmitLimit` is how many times a message is sent before it is dropped.
   */
  take(overhead: number, limit: number, transmitLimit: number): Uint8Array[] {
    if (this.queue.size === 0) return [];
    const ordered = [...this.queue.values()].sort(
      (a, b) => a.transmits - b.transmits || b.bytes.length - a.bytes.length || b.id - a.id,
    );
    const taken: Uint8Array[] = [];
    let used = 0;
    for (const item of ordered) {
      if (used + overhead + item.bytes.length > limit) continue;
      used += overhead + item.bytes.length;
      taken.push(item.bytes);
      item.transmits += 1;
      if (item.transmits >= transmitLimit) {
        this.queue.delete(item.node);
        item.finished?.();
      }
    }
    return taken;
  }

  get length(): number {
    return this.queue.size;
  }

  /** Drops everything (shutdown), telling waiters their messages are gone. */
  reset(): void {
    const items = [...this.queue.values()];
    this.queue.clear();
    for (const item of items) item.finished?.();
  }
}

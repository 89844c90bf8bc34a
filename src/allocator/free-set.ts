/**
 * The free indices of one address space (0..size-1), answering "lowest
 * free index" in O(log n) amortized, for spaces of any size (an IPv6 /64
 * holds 2^64 indices and is never enumerated).
 *
 * Every index at or above `mark` is free unless it is in `used`; free
 * indices below `mark` are in the `released` heap. The heap is cleaned
 * lazily: an entry that was taken again is dropped when it reaches the top.
 * `mark` only moves forward, past indices that are in use, so over any run
 * it moves at most once per index ever taken.
 */
import { MinHeap } from './heap.js';

export class FreeIndexSet {
  private readonly used = new Set<bigint>();
  private readonly released = new MinHeap();
  private mark = 0n;

  constructor(readonly size: bigint) {}

  get usedCount(): number {
    return this.used.size;
  }

  isUsed(index: bigint): boolean {
    return this.used.has(index);
  }

  /** The lowest free index, or null when the space is full. */
  lowest(): bigint | null {
    for (
      let top = this.released.peek();
      top !== undefined && this.used.has(top);
      top = this.released.peek()
    ) {
      this.released.pop();
    }
    while (this.used.has(this.mark)) this.mark++;
    const top = this.released.peek();
    const best = top !== undefined && top < this.mark ? top : this.mark;
    return best < this.size ? best : null;
  }

  take(index: bigint): void {
    this.used.add(index);
  }

  release(index: bigint): void {
    if (!this.used.delete(index)) return;
    if (index < this.mark) this.released.push(index);
  }
}

/**
 * The used indices of one address space (0..size-1) with what holds each,
 * answering "lowest free index" in O(log n) amortized, for spaces of any
 * size (an IPv6 /64 holds 2^64 indices and is never enumerated).
 *
 * Every index at or above `mark` is free unless it is in `used`; free
 * indices below `mark` are in the `released` heap. The heap is cleaned
 * lazily: an entry that was taken again is dropped when it reaches the top.
 * `mark` only moves forward, past indices that are in use, so over any run
 * it moves at most once per index ever taken.
 */
import { MinHeap } from './heap.js';

/** Map keys: a number where the index is exact as one (small maps, no bigint hashing), else the bigint. */
type Key = number | bigint;
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const keyOf = (index: bigint): Key => (index <= MAX_EXACT ? Number(index) : index);

export class IndexedSpace<V> {
  private readonly used = new Map<Key, V>();
  private readonly released = new MinHeap();
  private mark = 0n;

  constructor(readonly size: bigint) {}

  get usedCount(): number {
    return this.used.size;
  }

  get(index: bigint): V | undefined {
    return this.used.get(keyOf(index));
  }

  /** The lowest free index, or null when the space is full. */
  lowest(): bigint | null {
    for (
      let top = this.released.peek();
      top !== undefined && this.used.has(keyOf(top));
      top = this.released.peek()
    ) {
      this.released.pop();
    }
    while (this.used.has(keyOf(this.mark))) this.mark++;
    const top = this.released.peek();
    const best = top !== undefined && top < this.mark ? top : this.mark;
    return best < this.size ? best : null;
  }

  take(index: bigint, holder: V): void {
    this.used.set(keyOf(index), holder);
  }

  release(index: bigint): void {
    if (!this.used.delete(keyOf(index))) return;
    if (index < this.mark) this.released.push(index);
  }
}

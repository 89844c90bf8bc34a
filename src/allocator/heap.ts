/** A binary min-heap of bigints. */
export class MinHeap {
  private readonly items: bigint[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): bigint | undefined {
    return this.items[0];
  }

  push(value: bigint): void {
    const items = this.items;
    items.push(value);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const up = items[parent] as bigint;
      if (up <= value) break;
      items[child] = up;
      child = parent;
    }
    items[child] = value;
  }

  pop(): bigint | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const smaller =
        right < items.length && (items[right] as bigint) < (items[left] as bigint) ? right : left;
      if ((items[smaller] as bigint) >= last) break;
      items[parent] = items[smaller] as bigint;
      parent = smaller;
    }
    items[parent] = last;
    return top;
  }
}

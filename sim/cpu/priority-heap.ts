/**
 * The runnable CPUs of a cooperative worker, highest priority first: a binary max-heap of CPU
 * indices keyed by a priority array the scheduler owns (priorities are distinct, so the order is
 * total and a schedule is the same on every machine).
 */
export class PriorityHeap {
  private readonly items: Int32Array;
  private readonly prio: Int32Array;
  private readonly inHeap: Uint8Array;
  size = 0;

  constructor(prio: Int32Array) {
    this.prio = prio;
    this.items = new Int32Array(prio.length);
    this.inHeap = new Uint8Array(prio.length);
  }

  clear(): void {
    this.size = 0;
    this.inHeap.fill(0);
  }

  push(i: number): void {
    if (this.inHeap[i] !== 0) return;
    this.inHeap[i] = 1;
    const items = this.items;
    const prio = this.prio;
    let at = this.size++;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (prio[items[up]] >= prio[i]) break;
      items[at] = items[up];
      at = up;
    }
    items[at] = i;
  }

  /** The highest-priority index, left in place; -1 when empty. */
  peek(): number {
    return this.size === 0 ? -1 : this.items[0];
  }

  /** The highest-priority index, removed; -1 when empty. */
  pop(): number {
    if (this.size === 0) return -1;
    const items = this.items;
    const prio = this.prio;
    const top = items[0];
    this.inHeap[top] = 0;
    const last = items[--this.size];
    let at = 0;
    for (;;) {
      const l = 2 * at + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const child = r < this.size && prio[items[r]] > prio[items[l]] ? r : l;
      if (prio[items[child]] <= prio[last]) break;
      items[at] = items[child];
      at = child;
    }
    if (this.size > 0) items[at] = last;
    return top;
  }
}

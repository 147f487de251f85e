/**
 * Wakes between the cooperative engine's workers. A CPU that gives a CPU of another worker
 * something to go on with (an IPI, a csd unlock, the stop) sets that CPU's bit in the layout's
 * wake bits and bumps its worker's wake word: at the first such CPU in a step, so that worker can
 * start while the step goes on (an initiator queueing a flush on hundreds of CPUs), and once more
 * when the step ends, for the bits set since. That worker takes the bits of its slice and looks at
 * those CPUs only, not at every blocked one.
 */
import { type Layout, workerWakeWord } from '../shared/layout.js';

export class WorkerWakes {
  private readonly i32: Int32Array;
  private readonly layout: Layout;
  private readonly first: number;
  private readonly end: number;
  private readonly workers: number;
  /** Workers with a CPU this step woke: their words are bumped again when the step ends. */
  private readonly woke: Uint8Array;
  /** How many workers this step woke a CPU of. */
  pending = 0;

  constructor(i32: Int32Array, layout: Layout, first: number, count: number, workers: number) {
    this.i32 = i32;
    this.layout = layout;
    this.first = first;
    this.end = first + count;
    this.workers = workers;
    this.woke = new Uint8Array(workers);
  }

  /** `cpu`, of another worker, may go on. */
  wake(cpu: number): void {
    // Its bit, taken by take() on its worker; pairs with that worker's Atomics.and.
    Atomics.or(this.i32, this.layout.wakeBits + (cpu >> 5), 1 << (cpu & 31));
    const w = this.workerOf(cpu);
    if (this.woke[w] !== 0) return;
    this.woke[w] = 1;
    this.pending++;
    this.bump(w);
  }

  /** The step ended: every worker it woke a CPU of is told again, for the bits set since. */
  endStep(): void {
    for (let w = 0; w < this.workers; w++) {
      if (this.woke[w] === 0) continue;
      this.woke[w] = 0;
      this.bump(w);
    }
    this.pending = 0;
  }

  /** Takes the bits other workers set for this slice; `look` gets each CPU, slice-relative. */
  take(look: (i: number) => void): void {
    const i32 = this.i32;
    const base = this.layout.wakeBits;
    const first = this.first;
    const end = this.end;
    for (let word = first >> 5, last = (end - 1) >> 5; word <= last; word++) {
      // Our bits only: a word at a slice's edge holds another worker's too.
      const lo = Math.max(first, word << 5) - (word << 5);
      const hi = Math.min(end, (word + 1) << 5) - (word << 5);
      const mask = hi - lo === 32 ? -1 : ((1 << (hi - lo)) - 1) << lo;
      // Pairs with wake()'s Atomics.or on the waking worker.
      if ((Atomics.load(i32, base + word) & mask) === 0) continue;
      let bits = Atomics.and(i32, base + word, ~mask) & mask;
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits);
        bits &= ~(1 << b);
        look((word << 5) + b - first);
      }
    }
  }

  private bump(w: number): void {
    const idx = workerWakeWord(w);
    // Pairs with that worker's load of its word, then of its bits, and with its idle wait.
    Atomics.add(this.i32, idx, 1);
    Atomics.notify(this.i32, idx);
  }

  /** The worker whose slice holds `cpu`: the last w with sliceStart(w) ≤ cpu. */
  private workerOf(cpu: number): number {
    return Math.ceil(((cpu + 1) * this.workers) / this.layout.cpus) - 1;
  }
}

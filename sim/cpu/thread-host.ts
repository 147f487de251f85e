/**
 * The threads engine's side of a CPU: its own worker thread runs its generators, spinning or
 * parking at each wait point, and the OS interleaves the CPUs — real races, real wall-clock.
 */
import { irqBlock, kCpuParked, kCpuWakeSeq, type Layout } from '../shared/layout.js';
import type { CpuHost, WaitPoint, Waits } from './wait-point.js';

export class ThreadHost implements CpuHost {
  readonly cooperative = false;
  private readonly i32: Int32Array;
  private readonly layout: Layout;
  private readonly parkedIdx: number;
  private wait: WaitPoint | null = null;

  constructor(i32: Int32Array, layout: Layout, cpu: number) {
    this.i32 = i32;
    this.layout = layout;
    this.parkedIdx = irqBlock(layout, cpu) + kCpuParked;
  }

  /** The wait point of the CPU this thread runs. */
  attach(wait: WaitPoint): void {
    this.wait = wait;
  }

  woken(cpu: number): void {
    const l = irqBlock(this.layout, cpu);
    // Pairs with the parking thread's Atomics.wait on this sequence (runBlocking): a wake that
    // lands between its last look and its wait cuts the wait short.
    Atomics.add(this.i32, l + kCpuWakeSeq, 1);
    // Dekker with runBlocking's store of kCpuParked: either we see it parked, or it sees the new
    // sequence (the waker's Atomics.add came first) and does not sleep.
    if (Atomics.load(this.i32, l + kCpuParked) !== 0) Atomics.notify(this.i32, l + kCpuWakeSeq);
  }

  now(): number {
    return performance.now();
  }

  runBlocking<T>(g: Waits<T>): T {
    const i32 = this.i32;
    const w = this.wait!;
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      // Spinning: poll again at once. Parking: sleep a slice, or less if the word moves.
      if (w.sliceMs === 0) continue;
      // Announce the park first; pairs with woken()'s load of kCpuParked.
      if (w.announce) Atomics.store(i32, this.parkedIdx, 1);
      // Returns at once if the word moved since the CPU read it; pairs with the waker's add.
      Atomics.wait(i32, w.sleepIdx, w.sleepValue, w.sliceMs);
      // Back to polling: wakers may skip the notify again.
      if (w.announce) Atomics.store(i32, this.parkedIdx, 0);
    }
  }
}

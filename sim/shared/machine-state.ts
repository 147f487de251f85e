/**
 * Whole-machine operations on the shared state, used from either side: the reset before a case
 * (by the machine, while every CPU is idle) and the abort (by the machine, or by a failing CPU).
 */
import { ringInit } from './csd-ring.js';
import {
  irqBlock,
  kAbort,
  kCpuWakeSeq,
  kDoneCount,
  kReadyCount,
  kStop,
  type Layout,
  PTE_GEN_SHIFT,
  PTE_PRESENT,
} from './layout.js';

/** The start state of a case: every page present at generation 1, TLBs and queues empty. */
export function resetMachineState(i32: Int32Array, l: Layout, usedPages: number): void {
  i32.fill(0);
  for (let c = 0; c < l.cpus; c++) ringInit(i32, irqBlock(l, c), l.ringCapacity);
  i32.fill((1 << PTE_GEN_SHIFT) | PTE_PRESENT, l.pageTable, l.pageTable + usedPages);
}

/** Stops every CPU: each wait loop looks at kAbort, and parked CPUs are woken to see it. */
export function abortRun(i32: Int32Array, l: Layout): void {
  // Pairs with every wait loop's load of kAbort and the user loops' load of kStop.
  Atomics.store(i32, kAbort, 1);
  Atomics.store(i32, kStop, 1);
  for (let c = 0; c < l.cpus; c++) {
    const seq = irqBlock(l, c) + kCpuWakeSeq;
    // Pairs with park(): the sequence moves, so a CPU about to wait does not sleep.
    Atomics.add(i32, seq, 1);
    Atomics.notify(i32, seq);
  }
  Atomics.notify(i32, kReadyCount);
  Atomics.notify(i32, kDoneCount);
}

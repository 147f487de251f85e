/**
 * The sender's side of kernel/smp.c: the flush mask, csd_lock() and csd_lock_wait(), queueing
 * csds on the targets' call_single_queue and raising their IPIs (smp_call_function_many_cond()).
 * The target's side is ipi-handler.ts.
 */

import { ringPush } from '../shared/csd-ring.js';
import {
  CSD_FLAG_LOCK,
  CSD_FLUSH,
  CSD_KINDS,
  csdIndex,
  FUNC_FLUSH_TLB_INLINE,
  FUNC_FLUSH_TLB_REF,
  FUNC_READ_USER,
  irqBlock,
  kCpuDoorbell,
  kCpuIsLazy,
  kCpuLoadedMm,
  kCsdFlags,
  kCsdFunc,
  kCsdInfoEnd,
  kCsdInfoNewTlbGen,
  kCsdInfoStart,
  kCsdSrc,
  type Layout,
  LINE,
  tlbstateLine,
} from '../shared/layout.js';
import { C_IPIS_NOT_NEEDED, C_IPIS_SENT, C_LAZY_SKIPPED } from '../shared/messages.js';
import { type CpuContext, PARK_SLICE_MS } from './cpu-context.js';
import type { Hang } from './injected-fault.js';
import type { Interrupts } from './ipi-handler.js';
import { W_CSD_LOCK, type WaitPoint, type Waits } from './wait-point.js';

export class Smp {
  /** The deadline of the csd wait under way (0: none yet). */
  private waitDeadline = 0;
  /** The targets whose queue was empty (they need an IPI), and the cross-calls' targets. */
  private readonly ipiMask: Int32Array;
  private readonly callTargets: Int32Array;
  private readonly ctx: CpuContext;
  private readonly i32: Int32Array;
  private readonly layout: Layout;
  private readonly id: number;
  private readonly n: number;
  private readonly ringCap: number;
  private readonly doorbellIdx: number;
  private readonly wakeSeqIdx: number;
  private readonly counters: Float64Array;
  private readonly wait: WaitPoint;
  private readonly irqs: Interrupts;
  private readonly fault: Hang;
  // Per case, from the context.
  private spin = true;
  private pollBudget = 0;

  constructor(ctx: CpuContext, irqs: Interrupts, fault: Hang) {
    this.ctx = ctx;
    this.i32 = ctx.i32;
    this.layout = ctx.layout;
    this.id = ctx.id;
    this.n = ctx.n;
    this.ringCap = ctx.ringCap;
    this.doorbellIdx = ctx.doorbellIdx;
    this.wakeSeqIdx = ctx.wakeSeqIdx;
    this.counters = ctx.counters;
    this.wait = ctx.wait;
    this.irqs = irqs;
    this.fault = fault;
    this.ipiMask = new Int32Array(ctx.n);
    this.callTargets = new Int32Array(ctx.n);
  }

  setupCase(): void {
    this.waitDeadline = 0;
    this.spin = this.ctx.spin;
    this.pollBudget = this.ctx.pollBudget;
  }

  csdAt(target: number, kind: number): number {
    return this.layout.csds + csdIndex(this.layout, this.id, target, kind) * LINE;
  }

  /**
   * csd_lock_wait(), one look: true once the target has unlocked `csd`. Otherwise it polls for a
   * while, taking our own IPIs meanwhile (interrupts are on: another initiator may be waiting on
   * us where every CPU initiates), then fills the wait point and returns false — the caller yields and
   * asks again: `while (!smp.csdUnlocked(csd, target, W_ACK)) yield;`. Bounded by the csd-lock
   * timeout.
   */
  csdUnlocked(csd: number, target: number, why: number): boolean {
    const i32 = this.i32;
    const irqs = this.irqs;
    const fault = this.fault;
    if (fault.hung) return fault.hangWait();
    // Pairs with csdUnlock's Atomics.store on the target.
    let flags = Atomics.load(i32, csd + kCsdFlags);
    if ((flags & CSD_FLAG_LOCK) === 0) return this.waitOver();
    for (let polls = 0; polls < this.pollBudget; polls++) {
      if (irqs.ipiPending()) {
        irqs.handleIpi();
        if (fault.hung) return fault.hangWait();
      }
      // Pairs with csdUnlock's Atomics.store on the target.
      flags = Atomics.load(i32, csd + kCsdFlags);
      if ((flags & CSD_FLAG_LOCK) === 0) return this.waitOver();
    }
    // The csd is named only if the wait ends in an error: no string per yield.
    this.waitDeadline = this.ctx.checkDeadline(this.waitDeadline, target, () =>
      this.describeCsd(csd),
    );
    // Runnable again once the csd's flags change or an IPI of ours comes in.
    this.wait.until(why, target, csd + kCsdFlags, flags, this.doorbellIdx, irqs.seenDoorbell);
    if (!this.spin) {
      // Read the wake sequence before the last look, so an unlock in between is not missed.
      const seq = Atomics.load(i32, this.wakeSeqIdx);
      // Pairs with csdUnlock's Atomics.store on the target.
      if ((Atomics.load(i32, csd + kCsdFlags) & CSD_FLAG_LOCK) === 0) return this.waitOver();
      if (!irqs.ipiPending()) {
        this.wait.sleep(this.wakeSeqIdx, seq, PARK_SLICE_MS, true);
      }
    }
    return false;
  }

  /** A wait ended: the next one starts its deadline afresh. */
  private waitOver(): true {
    this.waitDeadline = 0;
    return true;
  }

  private sendIpi(target: number): void {
    this.counters[C_IPIS_SENT]++;
    // The doorbell; pairs with the target's polling load and handleIpi's load of it.
    Atomics.add(this.i32, irqBlock(this.layout, target) + kCpuDoorbell, 1);
    if (!this.spin) this.ctx.wake(target);
  }

  private describeCsd(csd: number): string {
    const number = (csd - this.layout.csds) / LINE;
    const kind = number % CSD_KINDS;
    const target = Math.floor(number / CSD_KINDS) % this.n;
    const names = ['flush', 'cross-call (before the flush)', 'cross-call (after the flush)'];
    return `it to unlock csd ${number} (CPU ${this.id} → CPU ${target}, ${names[kind]})`;
  }

  /**
   * The flush mask, as native_flush_tlb_multi() builds it: every other CPU with the mm loaded,
   * except lazy ones (should_flush_tlb), unless page tables were freed.
   */
  collectTargets(out: Int32Array, includeLazy: boolean): number {
    const i32 = this.i32;
    let n = 0;
    for (let c = 0; c < this.n; c++) {
      if (c === this.id) continue;
      const l = tlbstateLine(this.layout, c);
      // In mm_cpumask: the mm is loaded, or being switched to (LOADED_MM_SWITCHING). Pairs with
      // runCase's store of kCpuLoadedMm on that CPU.
      if (Atomics.load(i32, l + kCpuLoadedMm) === 0) continue;
      // Pairs with switchMmIrqsOff's store: either we see the CPU awake, or it sees our tlb_gen.
      if (!includeLazy && Atomics.load(i32, l + kCpuIsLazy) !== 0) {
        this.counters[C_LAZY_SKIPPED]++;
        continue;
      }
      out[n++] = c;
    }
    return n;
  }

  /** smp_call_function_many_cond(): lock, fill and queue every csd, then raise the IPIs. */
  *queueFlushes(
    targets: Int32Array,
    n: number,
    byRef: boolean,
    flags: number,
    start: number,
    end: number,
    newTlbGen: number,
  ): Waits {
    const i32 = this.i32;
    const ctx = this.ctx;
    let ipis = 0;
    for (let i = 0; i < n; i++) {
      const target = targets[i];
      const csd = this.csdAt(target, CSD_FLUSH);
      // csd_lock(): only the owner sets LOCK and only the target clears it, so a plain store
      // suffices: the ring push's compareExchange that follows publishes it with the rest.
      while (!this.csdUnlocked(csd, target, W_CSD_LOCK)) yield;
      i32[csd + kCsdFlags] = flags;
      i32[csd + kCsdSrc] = this.id;
      if (byRef) {
        i32[csd + kCsdFunc] = FUNC_FLUSH_TLB_REF;
      } else {
        // The 2019 RFC: the info travels inside the csd's own cache line.
        i32[csd + kCsdFunc] = FUNC_FLUSH_TLB_INLINE;
        i32[csd + kCsdInfoStart] = start;
        i32[csd + kCsdInfoEnd] = end;
        i32[csd + kCsdInfoNewTlbGen] = newTlbGen;
      }
      const number = csdIndex(this.layout, this.id, target, CSD_FLUSH);
      if (ctx.recording) ctx.note('csd-queued', target);
      if (ringPush(i32, irqBlock(this.layout, target), this.ringCap, number + 1)) {
        this.ipiMask[ipis++] = target;
      } else {
        this.counters[C_IPIS_NOT_NEEDED]++;
      }
    }
    for (let k = 0; k < ipis; k++) {
      if (ctx.recording) ctx.note('ipi-sent', this.ipiMask[k]);
      this.sendIpi(this.ipiMask[k]);
    }
  }

  /** Queues a cross-call that reads user memory on every CPU running the mm (ASYNC csd). */
  *sendCalls(kind: number): Waits {
    const i32 = this.i32;
    const n = this.collectTargets(this.callTargets, false);
    for (let i = 0; i < n; i++) {
      const target = this.callTargets[i];
      const csd = this.csdAt(target, kind);
      while (!this.csdUnlocked(csd, target, W_CSD_LOCK)) yield;
      i32[csd + kCsdFlags] = CSD_FLAG_LOCK;
      i32[csd + kCsdFunc] = FUNC_READ_USER;
      i32[csd + kCsdSrc] = this.id;
      const number = csdIndex(this.layout, this.id, target, kind);
      if (ringPush(i32, irqBlock(this.layout, target), this.ringCap, number + 1)) {
        this.sendIpi(target);
      } else {
        this.counters[C_IPIS_NOT_NEEDED]++;
      }
    }
  }
}

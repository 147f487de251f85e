import { ringAdvance, ringPeek, ringPush } from '../shared/csd-ring.js';
import { cpuStuck, runAborted } from '../shared/errors.js';
import {
  CSD_FLAG_LOCK,
  CSD_FLAG_RECORD,
  CSD_FLUSH,
  CSD_KINDS,
  CSD_TYPE_SYNC,
  csdIndex,
  FUNC_FLUSH_TLB_INLINE,
  FUNC_FLUSH_TLB_REF,
  FUNC_READ_USER,
  infoLine,
  irqBlock,
  kAbort,
  kCpuDoorbell,
  kCpuIrqsEnabled,
  kCpuIsLazy,
  kCpuLoadedMm,
  kCpuWakeSeq,
  kCsdFlags,
  kCsdFlushKind,
  kCsdFunc,
  kCsdInfoEnd,
  kCsdInfoNewTlbGen,
  kCsdInfoStart,
  kCsdSrc,
  kExitedCpu,
  kInfoEnd,
  kInfoNewTlbGen,
  kInfoStart,
  LINE,
  tlbstateLine,
} from '../shared/layout.js';
import {
  C_CROSSCALLS,
  C_CSDS_HANDLED,
  C_DEFERRED_FLUSHES,
  C_IPIS_NOT_NEEDED,
  C_IPIS_SENT,
  C_LAZY_SKIPPED,
} from '../shared/messages.js';
import { CROSSCALL_READS } from './cost-model.js';
import { WHERE_CROSSCALL } from './cpu-state.js';
import { CpuDeferredFlush } from './deferred-flush.js';
import { W_CSD_LOCK, W_HUNG, type Waits } from './wait-point.js';

/** Longest single Atomics.wait: deadlines and the abort flag are looked at this often. */
export const PARK_SLICE_MS = 5;

export abstract class CpuSmp extends CpuDeferredFlush {
  protected csdAt(target: number, kind: number): number {
    return this.layout.csds + csdIndex(this.layout, this.id, target, kind) * LINE;
  }

  /**
   * csd_lock_wait(), one look: true once the target has unlocked `csd`. Otherwise it polls for a
   * while, taking our own IPIs meanwhile (interrupts are on: another initiator may be waiting on
   * us in workload multi), then fills this.wait and returns false — the caller yields and asks
   * again: `while (!this.csdUnlocked(csd, target, W_ACK)) yield;`. Bounded by the csd-lock timeout.
   */
  protected csdUnlocked(csd: number, target: number, why: number): boolean {
    const i32 = this.i32;
    if (this.hung) return this.hangWait();
    // Pairs with csdUnlock's Atomics.store on the target.
    let flags = Atomics.load(i32, csd + kCsdFlags);
    if ((flags & CSD_FLAG_LOCK) === 0) return this.waitOver();
    for (let polls = 0; polls < this.pollBudget; polls++) {
      if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) {
        this.handleIpi();
        if (this.hung) return this.hangWait();
      }
      flags = Atomics.load(i32, csd + kCsdFlags);
      if ((flags & CSD_FLAG_LOCK) === 0) return this.waitOver();
    }
    this.waitDeadline = this.checkDeadline(this.waitDeadline, target, this.describeCsd(csd));
    // Runnable again once the csd's flags change or an IPI of ours comes in.
    this.wait.until(why, target, csd + kCsdFlags, flags, this.doorbellIdx, this.seenDoorbell);
    if (!this.spin) {
      // Read the wake sequence before the last look, so an unlock in between is not missed.
      const seq = Atomics.load(i32, this.wakeSeqIdx);
      if ((Atomics.load(i32, csd + kCsdFlags) & CSD_FLAG_LOCK) === 0) return this.waitOver();
      if (Atomics.load(i32, this.doorbellIdx) === this.seenDoorbell) {
        this.wait.sleep(this.wakeSeqIdx, seq, PARK_SLICE_MS, true);
      }
    }
    return false;
  }

  /** A wait ended: the next one starts its deadline afresh. */
  protected waitOver(): true {
    this.waitDeadline = 0;
    return true;
  }

  /**
   * The hung CPU's wait (an injected fault): interrupts off, the csd never unlocked; only the
   * abort, or our own limit, ends it. Returns false, as a wait that is not over.
   */
  protected hangWait(): false {
    if (Atomics.load(this.i32, kAbort) !== 0) throw runAborted(this.id);
    if (performance.now() > this.hangLimit) {
      throw cpuStuck(`CPU ${this.id} hung with interrupts off (injected fault)`, this.id);
    }
    // Only the abort frees it; it is looked at again when nothing else can run.
    this.wait.until(W_HUNG, -1, kAbort, 0, -1, 0);
    this.wait.sleep(this.wakeSeqIdx, Atomics.load(this.i32, this.wakeSeqIdx), PARK_SLICE_MS, false);
    return false;
  }

  /** csd_unlock(): the acknowledgement. */
  protected csdUnlock(csd: number, src: number): void {
    // Store-release of 0; pairs with the sender's csd_lock_wait load.
    Atomics.store(this.i32, csd + kCsdFlags, 0);
    if (!this.spin) this.wake(src);
  }

  protected sendIpi(target: number): void {
    this.counters[C_IPIS_SENT]++;
    // The doorbell; pairs with the target's polling load and handleIpi's load of it.
    Atomics.add(this.i32, irqBlock(this.layout, target) + kCpuDoorbell, 1);
    if (!this.spin) this.wake(target);
  }

  /** Gives `cpu` a reason to look again, and wakes it if it is parked (or switched out). */
  protected wake(cpu: number): void {
    // Pairs with the parking thread's Atomics.wait on this sequence (thread-host.ts).
    Atomics.add(this.i32, irqBlock(this.layout, cpu) + kCpuWakeSeq, 1);
    this.host.woken(cpu);
  }

  protected describeCsd(csd: number): string {
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
  protected collectTargets(out: Int32Array, includeLazy: boolean): number {
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
  protected *queueFlushes(
    targets: Int32Array,
    n: number,
    byRef: boolean,
    flags: number,
    start: number,
    end: number,
    newTlbGen: number,
  ): Waits {
    const i32 = this.i32;
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
      if (this.recording) this.note('csd-queued', target);
      if (ringPush(i32, irqBlock(this.layout, target), this.ringCap, number + 1)) {
        this.ipiMask[ipis++] = target;
      } else {
        this.counters[C_IPIS_NOT_NEEDED]++;
      }
    }
    for (let k = 0; k < ipis; k++) {
      if (this.recording) this.note('ipi-sent', this.ipiMask[k]);
      this.sendIpi(this.ipiMask[k]);
    }
  }

  /** Queues a cross-call that reads user memory on every CPU running the mm (ASYNC csd). */
  protected *sendCalls(kind: number): Waits {
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

  /** The IPI handler: flush_smp_call_function_queue(). */
  protected handleIpi(): void {
    const i32 = this.i32;
    // Note the doorbell before draining: a push that finds the queue empty after our last look
    // bumps it again. Pairs with sendIpi's Atomics.add.
    this.seenDoorbell = Atomics.load(i32, this.doorbellIdx);
    let viaIpi = true;
    for (;;) {
      const v = ringPeek(i32, this.irq, this.ringCap);
      if (v === 0) return;
      this.handleCsd(v - 1, viaIpi);
      // A hung CPU never finishes this handler: the csd stays queued and locked.
      if (this.hung) return;
      ringAdvance(i32, this.irq, this.ringCap);
      viaIpi = false;
    }
  }

  protected handleCsd(number: number, viaIpi: boolean): void {
    const i32 = this.i32;
    const csd = this.layout.csds + number * LINE;
    // Pairs with the sender's csdLock store (ordered before its ring push).
    const flags = Atomics.load(i32, csd + kCsdFlags);
    const func = i32[csd + kCsdFunc];
    const src = i32[csd + kCsdSrc];
    const rec = (flags & CSD_FLAG_RECORD) !== 0;
    this.counters[C_CSDS_HANDLED]++;
    if (this.fault !== null && ++this.csdsSeen >= this.fault.afterCsds) {
      this.injectFault();
      if (this.hung) return;
    }
    if (rec) this.note('handler-start', src);
    if (func === FUNC_FLUSH_TLB_REF) {
      // The info is read from the sender's stack while the csd is still locked (SYNC).
      const info = infoLine(this.layout, src);
      const newTlbGen = i32[info + kInfoNewTlbGen];
      const kind = this.flushTlbFunc(i32[info + kInfoStart], i32[info + kInfoEnd], newTlbGen);
      i32[csd + kCsdFlushKind] = kind;
      if (rec) this.note('flush-done', src);
      this.acknowledge(csd, src, newTlbGen, rec);
      this.accountHandler(src, true, kind, viaIpi);
    } else if (func === FUNC_FLUSH_TLB_INLINE) {
      // Copy the info to our stack: once unlocked, the sender may refill the csd.
      const start = i32[csd + kCsdInfoStart];
      const end = i32[csd + kCsdInfoEnd];
      const newTlbGen = i32[csd + kCsdInfoNewTlbGen];
      if (rec) this.note('info-copied', src);
      if ((flags & CSD_TYPE_SYNC) !== 0) {
        // Page tables were freed (condition 1): the sender waits for the flush itself.
        const kind = this.flushTlbFunc(start, end, newTlbGen);
        i32[csd + kCsdFlushKind] = kind;
        if (rec) this.note('flush-done', src);
        this.acknowledge(csd, src, newTlbGen, rec);
        this.accountHandler(src, false, kind, viaIpi);
      } else {
        // The RFC: acknowledge, then flush. From the unlock on, the flush is deferred: the
        // sender may already have returned.
        this.acknowledge(csd, src, newTlbGen, rec);
        this.defer(start, end, newTlbGen, src, viaIpi, rec);
        if (this.userAccessesBeforeFlush === 0) {
          // async-inline: the flush runs before anything else on this CPU — before the next
          // queued csd (a cross-call touching user memory) and before user code. Only an NMI
          // can come in between.
          if (this.nmiWorkload) this.nmiInHandler();
          this.runDeferredFlush();
        } else {
          // async-unsafe: back to user work with the flush pending.
          this.deferredCountdown = this.userAccessesBeforeFlush;
          this.counters[C_DEFERRED_FLUSHES]++;
          if (this.nmiWorkload) this.nmiInHandler();
        }
      }
    } else if (func === FUNC_READ_USER) {
      // An ASYNC cross-call: unlocked first, then run.
      this.csdUnlock(csd, src);
      this.counters[C_CROSSCALLS]++;
      if (this.deferredPending) this.exposeDeferred(WHERE_CROSSCALL);
      for (let k = 0; k < CROSSCALL_READS; k++) {
        const r = this.nextRandom();
        this.access(this.pickVpn(r), false, WHERE_CROSSCALL);
      }
    }
  }

  /**
   * csd_unlock() of a flush csd: the acknowledgement. The oracle learns first what the request
   * killed (the sender is still waiting, so the page table is as the request left it); then,
   * as the handler runs on with the mm's page tables loaded, the CPU may walk speculatively.
   */
  protected acknowledge(csd: number, src: number, newTlbGen: number, rec: boolean): void {
    this.oracle.acknowledge(src, newTlbGen, this.opts.freedTables);
    if (rec) this.note('ack', src);
    this.csdUnlock(csd, src);
    this.flushesHandled++;
    this.speculativeWalk(this.handlerSpeculation);
  }

  protected injectFault(): void {
    const f = this.fault!;
    this.fault = null;
    if (f.kind === 'throw')
      throw new Error(`injected fault: CPU ${this.id} threw in its IPI handler`);
    if (f.kind === 'exit') {
      // Name ourselves first: a cooperative worker hosts many CPUs. Read by the machine.
      Atomics.store(this.i32, kExitedCpu, this.id + 1);
      process.exit(70);
    }
    // hang: interrupts off, never unlock; from now on every wait of this CPU is hangWait().
    Atomics.store(this.i32, this.priv + kCpuIrqsEnabled, 0);
    this.hung = true;
    this.hangLimit = performance.now() + 4 * this.cfg.csdLockTimeoutMs;
  }
}

/**
 * The target's interrupt side: the IPI handler, flush_smp_call_function_queue(), drains this
 * CPU's call_single_queue and runs each csd — a flush (by reference or with its info inline,
 * SYNC or ASYNC) or a cross-call reading user memory — and acknowledges it by csd_unlock().
 */

import { ringAdvance, ringPeek } from '../shared/csd-ring.js';
import {
  CSD_FLAG_RECORD,
  CSD_TYPE_SYNC,
  FUNC_FLUSH_TLB_INLINE,
  FUNC_FLUSH_TLB_REF,
  FUNC_READ_USER,
  infoLine,
  kCsdFlags,
  kCsdFlushKind,
  kCsdFunc,
  kCsdInfoEnd,
  kCsdInfoNewTlbGen,
  kCsdInfoStart,
  kCsdSrc,
  kInfoEnd,
  kInfoNewTlbGen,
  kInfoStart,
  type Layout,
  LINE,
} from '../shared/layout.js';
import { C_CROSSCALLS, C_CSDS_HANDLED } from '../shared/messages.js';
import type { CpuContext } from './cpu-context.js';
import type { DeferredFlush, PendingFlush } from './deferred-flush.js';
import type { Hang, InjectedFault } from './injected-fault.js';
import type { LocalFlush, SpeculativeWalks, UserMemory, UserStream } from './memory.js';
import { CROSSCALL_READS } from './model-params.js';
import type { Nmi } from './nmi.js';
import type { Oracle } from './oracle.js';
import { WHERE_CROSSCALL } from './where.js';

/** This CPU's interrupts, as the code they interrupt sees them: an IPI came in; handle it. */
export interface Interrupts {
  /** The doorbell value the last handleIpi drained up to (what a wait compares against). */
  readonly seenDoorbell: number;
  ipiPending(): boolean;
  handleIpi(): void;
}

/** The memory side, as handlers flush, and cross-calls read user memory (drawing from its stream). */
export type HandlerMemory = UserMemory &
  Pick<UserStream, 'nextRandom'> &
  LocalFlush &
  SpeculativeWalks;
/** The deferred flush, as a handler defers, postpones or runs it. */
export type HandlerDeferral = PendingFlush &
  Pick<DeferredFlush, 'defer' | 'postpone' | 'runDeferredFlush'>;
/** The fault, as the handler counts its csds towards it. */
export type HandlerFault = Hang & Pick<InjectedFault, 'csdHandled'>;

export class IpiHandler implements Interrupts {
  /** Written here only; the waits read it (Interrupts). */
  seenDoorbell = 0;
  private flushesHandled = 0;
  private readonly ctx: CpuContext;
  private readonly i32: Int32Array;
  private readonly layout: Layout;
  private readonly irq: number;
  private readonly ringCap: number;
  private readonly doorbellIdx: number;
  private readonly counters: Float64Array;
  private readonly memory: HandlerMemory;
  private readonly deferred: HandlerDeferral;
  private readonly nmi: Pick<Nmi, 'nmiInHandler'>;
  private readonly fault: HandlerFault;
  private readonly oracle: Pick<Oracle, 'acknowledge'>;
  /** Where its speculative walks happen, made once. */
  private readonly handlerSpeculation: string;
  // Per case, from the context.
  private userAccessesBeforeFlush = 0;
  private nmiWorkload = false;
  private freedTables = false;
  private spin = true;

  constructor(
    ctx: CpuContext,
    memory: HandlerMemory,
    deferred: HandlerDeferral,
    nmi: Pick<Nmi, 'nmiInHandler'>,
    fault: HandlerFault,
    oracle: Pick<Oracle, 'acknowledge'>,
  ) {
    this.ctx = ctx;
    this.i32 = ctx.i32;
    this.layout = ctx.layout;
    this.irq = ctx.irq;
    this.ringCap = ctx.ringCap;
    this.doorbellIdx = ctx.doorbellIdx;
    this.counters = ctx.counters;
    this.memory = memory;
    this.deferred = deferred;
    this.nmi = nmi;
    this.fault = fault;
    this.oracle = oracle;
    this.handlerSpeculation = `a speculative walk on CPU ${ctx.id} in its flush handler, after the acknowledgement`;
  }

  setupCase(): void {
    const ctx = this.ctx;
    this.seenDoorbell = 0;
    this.flushesHandled = 0;
    this.userAccessesBeforeFlush = ctx.userAccessesBeforeFlush;
    this.nmiWorkload = ctx.nmiWorkload;
    this.freedTables = ctx.opts.freedTables;
    this.spin = ctx.spin;
  }

  /** An IPI came in since the last handleIpi: the doorbell moved. */
  ipiPending(): boolean {
    // Read first: a hot loop that inlines this need not look at this object again after the call.
    const seen = this.seenDoorbell;
    // The doorbell; pairs with sendIpi's Atomics.add.
    return Atomics.load(this.i32, this.doorbellIdx) !== seen;
  }

  /** The IPI handler: flush_smp_call_function_queue(). */
  handleIpi(): void {
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
      if (this.fault.hung) return;
      ringAdvance(i32, this.irq, this.ringCap);
      viaIpi = false;
    }
  }

  private handleCsd(number: number, viaIpi: boolean): void {
    const i32 = this.i32;
    const ctx = this.ctx;
    const csd = this.layout.csds + number * LINE;
    // Pairs with the sender's csdLock store (ordered before its ring push).
    const flags = Atomics.load(i32, csd + kCsdFlags);
    const func = i32[csd + kCsdFunc];
    const src = i32[csd + kCsdSrc];
    const rec = (flags & CSD_FLAG_RECORD) !== 0;
    this.counters[C_CSDS_HANDLED]++;
    if (this.fault.csdHandled()) return;
    if (rec) ctx.note('handler-start', src);
    if (func === FUNC_FLUSH_TLB_REF) {
      // The info is read from the sender's stack while the csd is still locked (SYNC).
      const info = infoLine(this.layout, src);
      const newTlbGen = i32[info + kInfoNewTlbGen];
      const kind = this.memory.flushTlbFunc(
        i32[info + kInfoStart],
        i32[info + kInfoEnd],
        newTlbGen,
      );
      i32[csd + kCsdFlushKind] = kind;
      if (rec) ctx.note('flush-done', src);
      this.acknowledge(csd, src, newTlbGen, rec);
      ctx.accountHandler(src, true, kind, viaIpi);
    } else if (func === FUNC_FLUSH_TLB_INLINE) {
      // Copy the info to our stack: once unlocked, the sender may refill the csd.
      const start = i32[csd + kCsdInfoStart];
      const end = i32[csd + kCsdInfoEnd];
      const newTlbGen = i32[csd + kCsdInfoNewTlbGen];
      if (rec) ctx.note('info-copied', src);
      if ((flags & CSD_TYPE_SYNC) !== 0) {
        // Page tables were freed (condition 1): the sender waits for the flush itself.
        const kind = this.memory.flushTlbFunc(start, end, newTlbGen);
        i32[csd + kCsdFlushKind] = kind;
        if (rec) ctx.note('flush-done', src);
        this.acknowledge(csd, src, newTlbGen, rec);
        ctx.accountHandler(src, false, kind, viaIpi);
      } else {
        // The RFC: acknowledge, then flush. From the unlock on, the flush is deferred: the
        // sender may already have returned.
        this.acknowledge(csd, src, newTlbGen, rec);
        this.deferred.defer(start, end, newTlbGen, src, viaIpi, rec);
        if (this.userAccessesBeforeFlush === 0) {
          // async-inline: the flush runs before anything else on this CPU — before the next
          // queued csd (a cross-call touching user memory) and before user code. Only an NMI
          // can come in between.
          if (this.nmiWorkload) this.nmi.nmiInHandler(this.flushesHandled === 1);
          this.deferred.runDeferredFlush();
        } else {
          // async-unsafe: back to user work with the flush pending.
          this.deferred.postpone(this.userAccessesBeforeFlush);
          if (this.nmiWorkload) this.nmi.nmiInHandler(this.flushesHandled === 1);
        }
      }
    } else if (func === FUNC_READ_USER) {
      // An ASYNC cross-call: unlocked first, then run.
      this.csdUnlock(csd, src);
      this.counters[C_CROSSCALLS]++;
      if (this.deferred.pending) this.deferred.exposeDeferred(WHERE_CROSSCALL);
      for (let k = 0; k < CROSSCALL_READS; k++) {
        const r = this.memory.nextRandom();
        this.memory.access(this.memory.pickVpn(r), false, WHERE_CROSSCALL);
      }
    }
  }

  /**
   * csd_unlock() of a flush csd: the acknowledgement. The oracle learns first what the request
   * killed (the sender is still waiting, so the page table is as the request left it); then,
   * as the handler runs on with the mm's page tables loaded, the CPU may walk speculatively.
   */
  private acknowledge(csd: number, src: number, newTlbGen: number, rec: boolean): void {
    this.oracle.acknowledge(src, newTlbGen, this.freedTables);
    if (rec) this.ctx.note('ack', src);
    this.csdUnlock(csd, src);
    this.flushesHandled++;
    this.memory.speculativeWalk(this.handlerSpeculation);
  }

  /** csd_unlock(): the acknowledgement. */
  private csdUnlock(csd: number, src: number): void {
    // Store-release of 0; pairs with the sender's csd_lock_wait load.
    Atomics.store(this.i32, csd + kCsdFlags, 0);
    if (!this.spin) this.ctx.wake(src);
  }
}

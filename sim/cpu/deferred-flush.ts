/**
 * A flush acknowledged but not done yet: async-inline runs it before anything else on the CPU,
 * async-unsafe only after some user accesses. Until it runs, whatever reads user memory is
 * exposed to what it killed (the oracle's ack-window rule); NMIs may land in that window and
 * must ask nmi_uaccess_okay() first (condition 2 of the 2019 thread, see nmi.ts).
 */

import { FLUSH_NONE, kCpuLocalTlbGen, TLB_FLUSH_ALL } from '../shared/layout.js';
import { C_DEFERRED_FLUSHES } from '../shared/messages.js';
import type { CpuContext } from './cpu-context.js';
import type { LocalFlush, SpeculativeWalks } from './memory.js';
import type { Oracle } from './oracle.js';

/** A flush still deferred here, as whatever is about to read user memory asks about it. */
export interface PendingFlush {
  /** An acknowledged flush is not done yet on this CPU. */
  readonly pending: boolean;
  exposeDeferred(where: number): void;
}

/** The oracle, as the deferred flush tells it: a flush is deferred, code ran exposed to it. */
export type DeferralOracle = Pick<Oracle, 'flushDeferred' | 'exposure'>;

export class DeferredFlush implements PendingFlush {
  /** Written here only; the other parts read it (PendingFlush). */
  pending = false;
  private start = 0;
  private end = 0;
  private gen = 0;
  private src = 0;
  private viaIpi = false;
  /** async-unsafe: user accesses left before the flush runs. */
  private countdown = 0;
  private record = false;
  /** The deferred flush has been exposed to user code once (counted once per deferral). */
  private exposed = false;
  private readonly ctx: CpuContext;
  private readonly memory: LocalFlush & SpeculativeWalks;
  private readonly oracle: DeferralOracle;

  constructor(ctx: CpuContext, memory: LocalFlush & SpeculativeWalks, oracle: DeferralOracle) {
    this.ctx = ctx;
    this.memory = memory;
    this.oracle = oracle;
  }

  setupCase(): void {
    this.pending = false;
    this.record = false;
    this.exposed = false;
  }

  /**
   * Notes an acknowledged flush as not done yet. A second one while the first is still pending
   * (async-unsafe) merges with it: one full flush up to the newer generation will cover both,
   * as Linux's tlb_gen catch-up would; the merged request's handler work is folded into it.
   */
  defer(
    start: number,
    end: number,
    newTlbGen: number,
    src: number,
    viaIpi: boolean,
    rec: boolean,
  ): void {
    if (this.pending) {
      this.ctx.accountHandler(this.src, false, FLUSH_NONE, this.viaIpi);
      start = 0;
      end = TLB_FLUSH_ALL;
      if (newTlbGen < this.gen) newTlbGen = this.gen;
      rec ||= this.record;
    }
    this.record = rec;
    this.start = start;
    this.end = end;
    this.gen = newTlbGen;
    this.src = src;
    this.viaIpi = viaIpi;
    this.exposed = false;
    this.pending = true;
    this.oracle.flushDeferred = true;
  }

  /** async-unsafe: back to user work with the flush pending, for `userAccesses` accesses. */
  postpone(userAccesses: number): void {
    this.countdown = userAccesses;
    this.ctx.counters[C_DEFERRED_FLUSHES]++;
  }

  /** A user access was made with the flush pending: the last one postponed runs it. */
  countUserAccess(): void {
    if (--this.countdown <= 0) this.runDeferredFlush();
  }

  runDeferredFlush(): void {
    this.pending = false;
    this.oracle.flushDeferred = false;
    const kind = this.memory.flushTlbFunc(this.start, this.end, this.gen);
    if (this.record) this.ctx.note('flush-done', this.src);
    this.ctx.accountHandler(this.src, false, kind, this.viaIpi);
  }

  /**
   * About to read user memory (user code resumed, a cross-call, an NMI) with an acknowledged
   * flush not done here: tell the oracle once per deferral, and walk speculatively.
   */
  exposeDeferred(where: number): void {
    if (this.exposed) return;
    this.exposed = true;
    const ctx = this.ctx;
    const local = ctx.i32[ctx.priv + kCpuLocalTlbGen];
    this.oracle.exposure(this.src, this.gen, local, ctx.whereNames[where]);
    this.memory.speculativeWalk(`a speculative walk as the ${ctx.whereNames[where]} ran`);
  }
}

/**
 * The shootdown under test: flush_tlb_mm_range() flushes a range of the mm on every CPU that may
 * cache it — by IPIs and csds (the local flush first or last, the info by reference or inline,
 * each target acknowledging before or after its flush), or by INVLPGB + TLBSYNC — as the
 * protocol's traits say.
 */

import {
  CSD_FLAG_LOCK,
  CSD_FLAG_RECORD,
  CSD_FLUSH,
  CSD_TYPE_SYNC,
  FLUSH_NONE,
  infoLine,
  kCpuAccessSeq,
  kInfoEnd,
  kInfoNewTlbGen,
  kInfoStart,
  MM_ID,
  PTE_GEN_SHIFT,
  privateLine,
  TLB_FLUSH_ALL,
} from '../shared/layout.js';
import { C_BROADCAST_INVALIDATIONS, C_TLBSYNC_WAITS } from '../shared/messages.js';
import type { CpuContext } from './cpu-context.js';
import { invlpgbOps } from './invalidation-cost.js';
import type { LocalFlush } from './memory.js';
import type { Oracle } from './oracle.js';
import type { PagingStructureCache } from './psc.js';
import type { Smp } from './smp.js';
import type { Tlb } from './tlb.js';
import { rangeEnd } from './tlb-gen.js';
import { USER_IDLE_SLICE_MS } from './user-work.js';
import { W_ACK, W_TLBSYNC, type Waits } from './wait-point.js';

/** The sender's side of smp, as a shootdown by IPIs uses it. */
export type ShootdownSmp = Pick<Smp, 'collectTargets' | 'queueFlushes' | 'csdAt' | 'csdUnlocked'>;

export class Shootdown {
  private readonly ctx: CpuContext;
  private readonly memory: LocalFlush;
  private readonly smp: ShootdownSmp;
  /** Every CPU's TLB and paging-structure cache, for broadcast invalidation. */
  private readonly tlbs: readonly Tlb[];
  private readonly pscs: readonly PagingStructureCache[];
  private readonly oracle: Pick<Oracle, 'unorderedReturn'>;

  constructor(
    ctx: CpuContext,
    memory: LocalFlush,
    smp: ShootdownSmp,
    tlbs: readonly Tlb[],
    pscs: readonly PagingStructureCache[],
    oracle: Pick<Oracle, 'unorderedReturn'>,
  ) {
    this.ctx = ctx;
    this.memory = memory;
    this.smp = smp;
    this.tlbs = tlbs;
    this.pscs = pscs;
    this.oracle = oracle;
  }

  /**
   * flush_tlb_mm_range(): flushes [start, end) of the mm on every CPU that may cache it, by the
   * protocol under test. Returns the kind of the local flush. Fills model.targets.
   */
  *flushTlbMmRange(start: number, end: number, newTlbGen: number): Waits<number> {
    const ctx = this.ctx;
    const i32 = ctx.i32;
    const memory = this.memory;
    const smp = this.smp;
    end = rangeEnd(start, end, ctx.opts.singlePageFlushCeiling);
    if (end === TLB_FLUSH_ALL) start = 0;
    if (ctx.recording) ctx.note('flush-start', -1);
    if (ctx.broadcast) {
      ctx.model.nTargets = 0;
      yield* this.broadcastFlush(start, end);
      return FLUSH_NONE;
    }
    const targets = ctx.model.targets;
    const n = smp.collectTargets(targets, ctx.flushLazy);
    ctx.model.nTargets = n;
    const byRef = ctx.byRef;
    if (byRef) {
      // flush_tlb_info lives on the initiator's stack; csds point at it.
      const info = infoLine(ctx.layout, ctx.id);
      i32[info + kInfoStart] = start;
      i32[info + kInfoEnd] = end;
      i32[info + kInfoNewTlbGen] = newTlbGen;
    }
    let localKind = FLUSH_NONE;
    if (ctx.localFlushFirst) {
      localKind = memory.flushTlbFunc(start, end, newTlbGen);
      if (ctx.recording) ctx.note('local-flush-done', -1);
    }
    let csdFlags = ctx.flushBeforeAck ? CSD_FLAG_LOCK | CSD_TYPE_SYNC : CSD_FLAG_LOCK;
    if (ctx.recording) csdFlags |= CSD_FLAG_RECORD;
    yield* smp.queueFlushes(targets, n, byRef, csdFlags, start, end, newTlbGen);
    if (!ctx.localFlushFirst) {
      localKind = memory.flushTlbFunc(start, end, newTlbGen);
      if (ctx.recording) ctx.note('local-flush-done', -1);
    }
    if (!ctx.waitsForAcks) {
      // Back without reading a single unlock: the next csd_lock() on each target waits instead.
      const gen = Atomics.load(i32, ctx.pt + start) >>> PTE_GEN_SHIFT;
      for (let i = 0; i < n; i++) this.oracle.unorderedReturn(targets[i], start, gen, newTlbGen);
      return localKind;
    }
    for (let i = 0; i < n; i++) {
      const csd = smp.csdAt(targets[i], CSD_FLUSH);
      while (!smp.csdUnlocked(csd, targets[i], W_ACK)) yield;
      if (ctx.recording) ctx.note('ack-seen', targets[i]);
    }
    return localKind;
  }

  /**
   * INVLPGB + TLBSYNC: the initiator invalidates the entries in every TLB itself, then waits
   * until no CPU still has an access in flight that may have used one of them.
   */
  private *broadcastFlush(start: number, end: number): Waits {
    const ctx = this.ctx;
    const i32 = ctx.i32;
    const full = end === TLB_FLUSH_ALL;
    const freedTables = ctx.opts.freedTables;
    const pollBudget = ctx.pollBudget;
    for (let c = 0; c < ctx.n; c++) {
      const tlb = this.tlbs[c];
      if (full) tlb.invalidateRemoteMm(MM_ID);
      else for (let vpn = start; vpn < end; vpn++) tlb.invalidateRemote(MM_ID, vpn);
      // INVLPGB with page-walk-cache invalidation, when tables were freed.
      if (freedTables) this.pscs[c].invalidateRemote(ctx.space.tables);
    }
    // INVLPGB instructions: one per invlpgbMaxPages pages, or one for the whole ASID.
    ctx.counters[C_BROADCAST_INVALIDATIONS] += invlpgbOps(ctx.cfg.profile, full ? 0 : end - start);
    if (ctx.recording) ctx.note('invlpgb-done', -1);
    for (let c = 0; c < ctx.n; c++) {
      if (c === ctx.id) continue;
      const idx = privateLine(ctx.layout, c) + kCpuAccessSeq;
      // Pairs with access()'s two Atomics.add: odd means an access is in flight.
      const seq = Atomics.load(i32, idx);
      if ((seq & 1) === 0) continue;
      ctx.counters[C_TLBSYNC_WAITS]++;
      let polls = 0;
      let deadline = 0;
      // The same word: the access in flight ends with its second Atomics.add.
      while (Atomics.load(i32, idx) === seq) {
        if (++polls < pollBudget) continue;
        polls = 0;
        deadline = ctx.checkDeadline(deadline, c, `an access in flight during TLBSYNC`);
        // Nothing notifies kCpuAccessSeq (an access would pay for it every time): a cooperative
        // engine looks at it after every step, and a parked thread sleeps a slice on the word
        // itself — parked CPUs outnumber the cores here, so the CPU in flight needs ours to
        // finish its access; the word is compared first, so this returns at once when it has.
        ctx.wait.until(W_TLBSYNC, c, idx, seq, -1, 0);
        ctx.wait.polled = true;
        if (!ctx.spin) ctx.wait.sleep(idx, seq, USER_IDLE_SLICE_MS, false);
        yield;
      }
    }
    if (ctx.recording) ctx.note('tlbsync-done', -1);
  }
}

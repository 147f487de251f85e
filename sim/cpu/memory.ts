/**
 * A CPU's memory side: every access goes through its TLB (a walk on a miss, through the
 * paging-structure cache for the upper level) and is checked by the oracle; flush_tlb_func()
 * and the catch-up on leaving lazy mode empty both caches by the tlb_gen rule. User code's
 * accesses are drawn here from the CPU's seeded stream, and counted: the loop that makes them
 * then touches one object besides its own.
 */

import type { AddressSpace } from '../shared/address-space.js';
import {
  FLUSH_FULL,
  FLUSH_PARTIAL,
  FRAME_POOL,
  FRAME_WORDS,
  kCpuIsLazy,
  kCpuLoadedMm,
  kCpuLocalTlbGen,
  kFrameData,
  kFrameLastGen,
  kFrameLastWriter,
  kFrameWrites,
  kMmTlbGen,
  LOADED_MM_SWITCHING,
  MM_ID,
  PTE_GEN_SHIFT,
  PTE_PRESENT,
  PTE_SLOT_MASK,
  PTE_SLOT_SHIFT,
} from '../shared/layout.js';
import {
  C_CATCH_UP_FLUSHES,
  C_FULL_FLUSHES,
  C_INVLPGS,
  C_PAGE_FAULTS,
  C_PAGE_WALKS,
  C_PARTIAL_FLUSHES,
  C_PSC_HITS,
  C_SPECULATIVE_WALKS,
  C_TLB_HITS,
  C_TLB_MISSES,
} from '../shared/messages.js';
import type { CpuContext } from './cpu-context.js';
import type { Oracle } from './oracle.js';
import type { PagingStructureCache } from './psc.js';
import type { Tlb } from './tlb.js';
import { flushKindFor } from './tlb-gen.js';
import { WHERE_USER } from './where.js';
import { xorshift32 } from './xorshift32.js';

/** A walk that keeps racing PTE changes gives up (as a fault) after this many tries. */
const WALK_RETRIES = 64;

/** Reading and writing user memory, as user code, cross-calls, NMIs and the refault do. */
export interface UserMemory {
  /** False when the page was not present: a page fault. */
  access(vpn: number, write: boolean, where: number): boolean;
  /** The page of draw `r` of a seeded stream. */
  pickVpn(r: number): number;
}

/** flush_tlb_func(), as the initiator's local flush and every target's handler call it. */
export interface LocalFlush {
  flushTlbFunc(start: number, end: number, newTlbGen: number): number;
}

/** What hardware may do at any moment while the mm's page tables are loaded. */
export interface SpeculativeWalks {
  speculativeWalk(where: string): void;
}

/**
 * User code's accesses, drawn from the CPU's seeded stream (cross-calls draw from it too) and
 * counted.
 */
export interface UserStream {
  /** User accesses made so far: the data a write stores; where the irqs-off and NMI points fall. */
  readonly accessCount: number;
  nextRandom(): number;
  /**
   * One access of user code: the next draw, a write one time in two, counted. False when it
   * took a page fault: the thread then waits for the refault, so its burst ends.
   */
  userAccess(): boolean;
}

/** The oracle, as the memory side uses it: it checks every access and every upper-level walk. */
export type AccessOracle = Pick<Oracle, 'access' | 'walk'>;

export class CpuMemory implements UserMemory, UserStream, LocalFlush, SpeculativeWalks {
  /** Written here only (UserStream). */
  accessCount = 0;
  private readonly ctx: CpuContext;
  private readonly i32: Int32Array;
  private readonly id: number;
  private readonly shared: number;
  private readonly priv: number;
  private readonly accessSeqIdx: number;
  private readonly pt: number;
  private readonly pmds: number;
  private readonly fgen: number;
  private readonly frames: number;
  private readonly whereNames: readonly string[];
  private readonly counters: Float64Array;
  private readonly tlb: Tlb;
  private readonly psc: PagingStructureCache;
  private readonly oracle: AccessOracle;
  // Per case, from the context.
  private space!: AddressSpace;
  private tracksAccess = false;
  /** Where reads go, so that they are not optimized away. */
  private sink = 0;
  /** The user accesses' stream, seeded per CPU and case. */
  private rng = 1;

  constructor(ctx: CpuContext, tlb: Tlb, psc: PagingStructureCache, oracle: AccessOracle) {
    this.ctx = ctx;
    this.i32 = ctx.i32;
    this.id = ctx.id;
    this.shared = ctx.shared;
    this.priv = ctx.priv;
    this.accessSeqIdx = ctx.accessSeqIdx;
    this.pt = ctx.pt;
    this.pmds = ctx.pmds;
    this.fgen = ctx.fgen;
    this.frames = ctx.frames;
    this.whereNames = ctx.whereNames;
    this.counters = ctx.counters;
    this.tlb = tlb;
    this.psc = psc;
    this.oracle = oracle;
  }

  setupCase(): void {
    const { space, tracksAccess, opts, id } = this.ctx;
    this.space = space;
    this.tracksAccess = tracksAccess;
    this.tlb.clock = 0;
    this.accessCount = 0;
    this.rng = (Math.imul(opts.seed ^ 0x5bd1e995, id + 1) ^ (id * 0x9e3779b9)) | 1;
  }

  /** One access of user code: the next draw, a write one time in two, counted. */
  userAccess(): boolean {
    const r = this.nextRandom();
    const done = this.access(this.pickVpn(r), (r & 2) !== 0, WHERE_USER);
    this.accessCount++;
    return done;
  }

  nextRandom(): number {
    // Seeded per CPU.
    this.rng = xorshift32(this.rng);
    return this.rng >>> 0;
  }

  /**
   * One user access through the TLB, checked by the oracle: it reads the flushed generation of
   * the page *before* it translates, so a flush that had returned before the access began and
   * killed the translation it uses is caught — and never one that returned during it.
   */
  access(vpn: number, write: boolean, where: number): boolean {
    const i32 = this.i32;
    // Pairs with retire()'s Atomics.store on the initiator.
    const flushedGen = Atomics.load(i32, this.fgen + vpn);
    // Odd while in flight; pairs with broadcastFlush's TLBSYNC load.
    if (this.tracksAccess) Atomics.add(i32, this.accessSeqIdx, 1);
    const tlb = this.tlb;
    let pte = 0;
    const e = tlb.lookup(MM_ID, vpn);
    if (e >= 0) {
      pte = tlb.pteOf(e);
      this.counters[C_TLB_HITS]++;
    } else {
      this.counters[C_TLB_MISSES]++;
      this.walkUpperLevel(vpn, where);
      for (let tries = 0; tries < WALK_RETRIES; tries++) {
        // The page walk; pairs with zap()/refault()'s Atomics.store.
        pte = Atomics.load(i32, this.pt + vpn);
        this.counters[C_PAGE_WALKS]++;
        if ((pte & PTE_PRESENT) === 0) break;
        const filled = tlb.fill(MM_ID, vpn, pte);
        // A walk that raced a PTE change must not leave the old translation behind (hardware
        // drops such fills; broadcast invalidation could not see an entry not yet written).
        if (Atomics.load(i32, this.pt + vpn) === pte) break;
        tlb.drop(filled);
        pte = 0;
      }
      if ((pte & PTE_PRESENT) === 0) {
        // Not present: a page fault; the user thread waits for the refault.
        this.counters[C_PAGE_FAULTS]++;
        // Even again: the access is over (pairs with TLBSYNC's wait).
        if (this.tracksAccess) Atomics.add(i32, this.accessSeqIdx, 1);
        return false;
      }
    }
    const gen = pte >>> PTE_GEN_SHIFT;
    this.oracle.access(vpn, gen, flushedGen, write, this.whereNames[where]);
    const f = this.frameAt(vpn, (pte >> PTE_SLOT_SHIFT) & PTE_SLOT_MASK);
    if (write) {
      // Lands in the frame the translation names; pairs with retire()'s writeback snapshot.
      Atomics.add(i32, f + kFrameWrites, 1);
      i32[f + kFrameLastWriter] = this.id + 1;
      i32[f + kFrameLastGen] = gen;
      i32[f + kFrameData] = this.accessCount;
    } else {
      this.sink ^= i32[f + kFrameData];
    }
    // Even again: the access is over (pairs with TLBSYNC's wait).
    if (this.tracksAccess) Atomics.add(i32, this.accessSeqIdx, 1);
    return true;
  }

  /**
   * The upper level of a page walk: through the paging-structure cache when it holds the entry
   * (the oracle checks the table it names is alive), else from memory, caching what it read.
   */
  private walkUpperLevel(vpn: number, where: number): void {
    const t = this.space.tableOf(vpn);
    const psc = this.psc;
    const cached = psc.lookup(t);
    // Pairs with the zap's unlink (Atomics.add of the table generation).
    const linked = Atomics.load(this.i32, this.pmds + t);
    if (cached >= 0) {
      this.counters[C_PSC_HITS]++;
      this.oracle.walk(t, cached, this.whereNames[where]);
      if (cached === linked) return;
    }
    psc.fill(t, linked);
    // A walk that raced an unlink must not leave the old entry behind, as for TLB fills.
    if (Atomics.load(this.i32, this.pmds + t) !== linked) psc.drop(t);
  }

  /** One read of every page of the working set (bounded by the TLB's size). */
  warmPass(where: number): void {
    // The zapped ranges, then the shared pages right after them (see address-space.ts).
    const limit = Math.min(this.space.zapTotal + this.space.sharedN, this.tlb.entries);
    for (let vpn = 0; vpn < limit; vpn++) this.access(vpn, false, where);
  }

  /**
   * A speculative page walk through every upper-level entry this CPU caches: hardware may make
   * one at any moment while the mm's page tables are loaded. Nothing is filled.
   */
  speculativeWalk(where: string): void {
    const psc = this.psc;
    this.counters[C_SPECULATIVE_WALKS]++;
    for (let t = 0, n = this.space.tables; t < n; t++) {
      const gen = psc.lookup(t);
      if (gen >= 0) this.oracle.walk(t, gen, where);
    }
  }

  /**
   * flush_tlb_func(): the flush one CPU does for one request, by the tlb_gen rule. Returns what
   * it did.
   */
  flushTlbFunc(start: number, end: number, newTlbGen: number): number {
    const i32 = this.i32;
    const localIdx = this.priv + kCpuLocalTlbGen;
    const local = i32[localIdx];
    // Our own flag; an Atomics.load because initiators store nothing here but read it.
    if (Atomics.load(i32, this.shared + kCpuIsLazy) !== 0) {
      // A lazy CPU is flushed only when page tables were freed: it leaves the mm (Linux switches
      // it to init_mm), which here means dropping everything and catching up.
      this.tlb.flushAll();
      this.psc.flush(this.space.tables);
      this.counters[C_FULL_FLUSHES]++;
      // Caught up to the mm's tlb_gen; pairs with the initiators' inc_mm_tlb_gen Atomics.add.
      i32[localIdx] = Atomics.load(i32, kMmTlbGen);
      return FLUSH_FULL;
    }
    // Pairs with the initiator's inc_mm_tlb_gen Atomics.add.
    const mmTlbGen = Atomics.load(i32, kMmTlbGen);
    const kind = flushKindFor(local, newTlbGen, mmTlbGen, end);
    // INVLPG and a CR3 write both empty the paging-structure caches (Intel SDM 4.10.4.1), which
    // is what flush_tlb_func() relies on when page tables were freed.
    if (kind === FLUSH_PARTIAL) {
      for (let vpn = start; vpn < end; vpn++) this.tlb.invlpg(MM_ID, vpn);
      this.psc.flush(this.space.tables);
      this.counters[C_INVLPGS] += end - start;
      this.counters[C_PARTIAL_FLUSHES]++;
      i32[localIdx] = newTlbGen;
    } else if (kind === FLUSH_FULL) {
      this.tlb.flushAll();
      this.psc.flush(this.space.tables);
      this.counters[C_FULL_FLUSHES]++;
      i32[localIdx] = mmTlbGen;
    }
    return kind;
  }

  /**
   * switch_mm_irqs_off() back to the mm from lazy mode: catch up if the TLB went stale. Until it
   * has, loaded_mm says LOADED_MM_SWITCHING, so nmi_uaccess_okay() keeps NMIs off user memory.
   */
  switchMmIrqsOff(): void {
    const i32 = this.i32;
    // Still in the flush mask (collectTargets), but not a state to read user memory in.
    Atomics.store(i32, this.shared + kCpuLoadedMm, LOADED_MM_SWITCHING);
    // Leave lazy mode before reading tlb_gen; pairs with collectTargets' load of kCpuIsLazy.
    Atomics.store(i32, this.shared + kCpuIsLazy, 0);
    // Pairs with the initiators' inc_mm_tlb_gen Atomics.add.
    const mmTlbGen = Atomics.load(i32, kMmTlbGen);
    if (i32[this.priv + kCpuLocalTlbGen] < mmTlbGen) {
      this.tlb.flushAll();
      this.psc.flush(this.space.tables);
      this.counters[C_FULL_FLUSHES]++;
      this.counters[C_CATCH_UP_FLUSHES]++;
      i32[this.priv + kCpuLocalTlbGen] = mmTlbGen;
    }
    // Pairs with collectTargets' load: the switch is done.
    Atomics.store(i32, this.shared + kCpuLoadedMm, MM_ID);
  }

  /** Half the accesses go to the zapped range(s), half to the shared pages. */
  pickVpn(r: number): number {
    const { zapTotal, sharedN } = this.space;
    if ((r & 1) === 0 || sharedN === 0) return (r >>> 2) % zapTotal;
    return zapTotal + ((r >>> 2) % sharedN);
  }

  /** The first word of frame `slot` of page `vpn`'s pool. */
  frameAt(vpn: number, slot: number): number {
    return this.frames + (vpn * FRAME_POOL + slot) * FRAME_WORDS;
  }
}

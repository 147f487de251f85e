/**
 * A CPU's memory side: every access goes through its TLB (a walk on a miss, through the
 * paging-structure cache for the upper level) and is checked by the oracle; flush_tlb_func()
 * and the catch-up on leaving lazy mode empty both caches by the tlb_gen rule.
 */

import {
  FLUSH_FULL,
  FLUSH_PARTIAL,
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
import { CpuState } from './cpu-state.js';
import { flushKindFor } from './tlb-gen.js';

/** A walk that keeps racing PTE changes gives up (as a fault) after this many tries. */
const WALK_RETRIES = 64;

export abstract class CpuMemory extends CpuState {
  /**
   * One user access through the TLB, checked by the oracle: it reads the flushed generation of
   * the page *before* it translates, so a flush that had returned before the access began and
   * killed the translation it uses is caught — and never one that returned during it.
   */
  protected access(vpn: number, write: boolean, where: number): void {
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
        return;
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
  }

  /**
   * The upper level of a page walk: through the paging-structure cache when it holds the entry
   * (the oracle checks the table it names is alive), else from memory, caching what it read.
   */
  protected walkUpperLevel(vpn: number, where: number): void {
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
  protected warmPass(where: number): void {
    // The zapped ranges, then the shared pages right after them (see address-space.ts).
    const limit = Math.min(this.space.zapTotal + this.space.sharedN, this.tlb.entries);
    for (let vpn = 0; vpn < limit; vpn++) this.access(vpn, false, where);
  }

  /**
   * A speculative page walk through every upper-level entry this CPU caches: hardware may make
   * one at any moment while the mm's page tables are loaded. Nothing is filled.
   */
  protected speculativeWalk(where: string): void {
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
  protected flushTlbFunc(start: number, end: number, newTlbGen: number): number {
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
  protected switchMmIrqsOff(): void {
    const i32 = this.i32;
    // Still in the flush mask (collectTargets), but not a state to read user memory in.
    Atomics.store(i32, this.shared + kCpuLoadedMm, LOADED_MM_SWITCHING);
    // Leave lazy mode before reading tlb_gen; pairs with collectTargets' load of kCpuIsLazy.
    Atomics.store(i32, this.shared + kCpuIsLazy, 0);
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
}

/**
 * A flush acknowledged but not done yet: async-inline runs it before anything else on the CPU,
 * async-unsafe only after some user accesses. Until it runs, whatever reads user memory is
 * exposed to what it killed (the oracle's ack-window rule); NMIs may land in that window and
 * must ask nmi_uaccess_okay() first (condition 2 of the 2019 thread).
 */

import {
  FLUSH_NONE,
  kCpuLoadedMm,
  kCpuLocalTlbGen,
  MM_ID,
  TLB_FLUSH_ALL,
} from '../shared/layout.js';
import { C_NMI_UACCESS_REFUSED, C_NMIS } from '../shared/messages.js';
import { WHERE_NMI } from './cpu-state.js';
import { CpuMemory } from './memory.js';

/**
 * Workload nmi: NMIs on the targets at seeded points. One in NMI_USER_PERIOD user accesses
 * (at a seeded phase) is interrupted by an NMI; inside a flush handler, right after the
 * acknowledgement — where an async flush is still deferred — the first flush handled takes one,
 * then a seeded half of them. The handler reads NMI_READS words of user memory, as perf's user
 * stack sampling does (copy_from_user_nmi), when nmi_uaccess_okay() allows it.
 */
export const NMI_USER_PERIOD = 64;
const NMI_READS = 2;

export abstract class CpuDeferredFlush extends CpuMemory {
  /**
   * Notes an acknowledged flush as not done yet. A second one while the first is still pending
   * (async-unsafe) merges with it: one full flush up to the newer generation will cover both,
   * as Linux's tlb_gen catch-up would; the merged request's handler work is folded into it.
   */
  protected defer(
    start: number,
    end: number,
    newTlbGen: number,
    src: number,
    viaIpi: boolean,
    rec: boolean,
  ): void {
    if (this.deferredPending) {
      this.accountHandler(this.deferredSrc, false, FLUSH_NONE, this.deferredViaIpi);
      start = 0;
      end = TLB_FLUSH_ALL;
      if (newTlbGen < this.deferredGen) newTlbGen = this.deferredGen;
      rec ||= this.deferredRecord;
    }
    this.deferredRecord = rec;
    this.deferredStart = start;
    this.deferredEnd = end;
    this.deferredGen = newTlbGen;
    this.deferredSrc = src;
    this.deferredViaIpi = viaIpi;
    this.deferredExposed = false;
    this.deferredPending = true;
    this.oracle.flushDeferred = true;
  }

  protected runDeferredFlush(): void {
    this.deferredPending = false;
    this.oracle.flushDeferred = false;
    const kind = this.flushTlbFunc(this.deferredStart, this.deferredEnd, this.deferredGen);
    if (this.deferredRecord) this.note('flush-done', this.deferredSrc);
    this.accountHandler(this.deferredSrc, false, kind, this.deferredViaIpi);
  }

  /**
   * About to read user memory (user code resumed, a cross-call, an NMI) with an acknowledged
   * flush not done here: tell the oracle once per deferral, and walk speculatively.
   */
  protected exposeDeferred(where: number): void {
    if (this.deferredExposed) return;
    this.deferredExposed = true;
    const local = this.i32[this.priv + kCpuLocalTlbGen];
    this.oracle.exposure(this.deferredSrc, this.deferredGen, local, this.whereNames[where]);
    this.speculativeWalk(`a speculative walk as the ${this.whereNames[where]} ran`);
  }

  protected accountHandler(src: number, byRef: boolean, kind: number, viaIpi: boolean): void {
    this.remoteHandlerCycles += this.model.remoteHandler(src, byRef, kind, viaIpi);
    this.remoteHandlers++;
  }

  /** An NMI may land right after the acknowledgement: the first flush handled, then a seeded half. */
  protected nmiInHandler(): void {
    if (this.flushesHandled === 1 || (this.nextNmiRandom() & 1) === 0) this.nmi();
  }

  /**
   * nmi_uaccess_okay(): user memory may be read only with the mm really loaded (not mid
   * switch_mm) and — the RFC's addition — no acknowledged flush still deferred on this CPU.
   */
  protected nmiUaccessOkay(): boolean {
    // Our own line; initiators only read it.
    const loaded = Atomics.load(this.i32, this.shared + kCpuLoadedMm);
    return loaded === MM_ID && !this.deferredPending;
  }

  /** The NMI handler: reads a little user memory (a user stack sample) if it may. */
  protected nmi(): void {
    this.counters[C_NMIS]++;
    if (this.nmiChecksUaccess && !this.nmiUaccessOkay()) {
      this.counters[C_NMI_UACCESS_REFUSED]++;
      return;
    }
    if (this.deferredPending) this.exposeDeferred(WHERE_NMI);
    for (let k = 0; k < NMI_READS; k++) {
      this.access(this.pickVpn(this.nextNmiRandom()), false, WHERE_NMI);
    }
  }
}

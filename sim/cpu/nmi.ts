/**
 * NMIs, which come whether interrupts are enabled or not, and may land in the window between
 * the acknowledgement of an async flush and the flush itself (deferred-flush.ts). The handler
 * reads a little user memory, as perf's user stack sampling does (copy_from_user_nmi), once
 * nmi_uaccess_okay() allows it.
 */

import { kCpuLoadedMm, MM_ID } from '../shared/layout.js';
import { C_NMI_UACCESS_REFUSED, C_NMIS } from '../shared/messages.js';
import type { CpuContext } from './cpu-context.js';
import type { PendingFlush } from './deferred-flush.js';
import type { UserMemory } from './memory.js';
import { mix32 } from './model-params.js';
import { WHERE_NMI } from './where.js';
import { xorshift32 } from './xorshift32.js';

/**
 * Workload nmi: NMIs on the targets at seeded points. One in NMI_USER_PERIOD user accesses
 * (at a seeded phase) is interrupted by an NMI; inside a flush handler, right after the
 * acknowledgement — where an async flush is still deferred — the first flush handled takes one,
 * then a seeded half of them. The handler reads NMI_READS words of user memory.
 */
const NMI_USER_PERIOD = 64;
const NMI_READS = 2;

export class Nmi {
  private readonly ctx: CpuContext;
  private readonly memory: UserMemory;
  private readonly deferred: PendingFlush;
  /** Seeded draws for the NMI points (kept apart from the user accesses' stream). */
  private rng = 1;
  private userPhase = 0;
  private checksUaccess = true;

  constructor(ctx: CpuContext, memory: UserMemory, deferred: PendingFlush) {
    this.ctx = ctx;
    this.memory = memory;
    this.deferred = deferred;
  }

  setupCase(): void {
    const id = this.ctx.id;
    this.rng = mix32(this.ctx.opts.seed ^ Math.imul(id + 1, 0x2545f491)) | 1;
    this.userPhase = (this.rng >>> 0) % NMI_USER_PERIOD;
    this.checksUaccess = this.ctx.nmiChecksUaccess;
  }

  /** User access number `accessCount` is about to run: one in NMI_USER_PERIOD takes an NMI. */
  atUserAccess(accessCount: number): void {
    if (accessCount % NMI_USER_PERIOD === this.userPhase) this.nmi();
  }

  /** An NMI may land right after the acknowledgement: the first flush handled, then a seeded half. */
  nmiInHandler(firstFlushHandled: boolean): void {
    if (firstFlushHandled || (this.nextRandom() & 1) === 0) this.nmi();
  }

  /**
   * nmi_uaccess_okay(): user memory may be read only with the mm really loaded (not mid
   * switch_mm) and — the RFC's addition — no acknowledged flush still deferred on this CPU.
   */
  private nmiUaccessOkay(): boolean {
    // Our own line; initiators only read it.
    const loaded = Atomics.load(this.ctx.i32, this.ctx.shared + kCpuLoadedMm);
    return loaded === MM_ID && !this.deferred.pending;
  }

  /** The NMI handler: reads a little user memory (a user stack sample) if it may. */
  private nmi(): void {
    const counters = this.ctx.counters;
    counters[C_NMIS]++;
    if (this.checksUaccess && !this.nmiUaccessOkay()) {
      counters[C_NMI_UACCESS_REFUSED]++;
      return;
    }
    if (this.deferred.pending) this.deferred.exposeDeferred(WHERE_NMI);
    for (let k = 0; k < NMI_READS; k++) {
      this.memory.access(this.memory.pickVpn(this.nextRandom()), false, WHERE_NMI);
    }
  }

  private nextRandom(): number {
    // A stream of its own, so NMIs do not shift the user accesses' draws.
    this.rng = xorshift32(this.rng);
    return this.rng >>> 0;
  }
}

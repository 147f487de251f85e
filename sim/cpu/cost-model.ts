/**
 * Modeled cycles: what one flush would cost on the machine a profile describes, computed from the
 * sequence of events the protocol performs, never from how long the simulation took.
 *
 * The initiator builds a small timeline per flush. Its inputs are events the run really had (the
 * CPUs in the flush mask, the flush each target did — partial or full, by the tlb_gen rule, as it
 * reported in the csd — and the initiator's own local flush) plus the workload's modeled
 * environment (an earlier cross-call occupying the target, interrupt-disabled windows, idle
 * wake-up), which is a function of modeled time only. Every cost is a whole number of cycles from
 * the profile, so a run's modeled results are sums of integers: bit-identical across runs
 * whenever the real events are (a single initiator at any CPU count).
 *
 * Cache lines the protocols touch, each a transfer at the distance between the two CPUs:
 *   sender   csd lock (the line the target wrote at its last unlock), the push on the target's
 *            call_single_queue; inc_mm_tlb_gen() on the line every target read last time
 *   target   the queue slot, the csd line, [sync/concurrent] the flush_tlb_info on the sender's
 *            stack, the mm's tlb_gen (the sender just bumped it), the unlock (ownership back),
 *            and the sender's poll reading it again
 * Inlining the info into the csd (async-inline) trades the info-line transfer for two short copies
 * and moves the target's flush — flush_tlb_func whole: its overhead, the tlb_gen line, the
 * invalidations — after the acknowledgement.
 *
 * An interrupt costs its entry before the handler runs and its exit (irq_exit, IRET) after it,
 * off the sender's path. IPIs go out as Linux's x2APIC driver sends them: one ICR write per
 * cluster of up to 16 CPUs in cluster mode, one per CPU in physical mode. Under PTI every
 * invalidation is done twice, for the kernel and the user PCID. A full flush costs the CR3 write
 * and the refills it causes: every entry of the CPU's working set walked again.
 *
 * Modeling choices not backed by a published figure are marked in the profiles (estimate: true):
 * notably an IPI crossing the fabric is charged one line transfer at the distance.
 */
import { FLUSH_FULL, FLUSH_PARTIAL } from '../shared/layout.js';
import type { TraceEvent } from '../shared/messages.js';
import type { Profile } from '../shared/profile.js';
import {
  fullInvalidation,
  invlpgbOps,
  pageInvalidation,
  tlbsyncWait,
} from './invalidation-cost.js';
import {
  CROSSCALL_READS,
  IRQS_OFF_PERIOD_CYCLES,
  IRQS_OFF_WINDOW_CYCLES,
  type ModelParams,
  mix32,
} from './model-params.js';

export class FlushCostModel {
  private readonly p: ModelParams;
  private readonly c: Profile['cycles'];
  private readonly lt: readonly number[];
  private readonly byRef: boolean;
  private readonly irqsOffPhase: Float64Array;
  /** The ICR write that reaches each CPU: its x2APIC cluster (cluster mode) or itself. */
  private readonly cluster: Int32Array;
  private readonly clusterSeen: Int32Array;
  private readonly clusterSentAt: Float64Array;
  private clusterStamp = 0;
  private readonly pti: boolean;

  /** Targets of the flush being modeled and what each one's flush did (set by the caller). */
  readonly targets: Int32Array;
  readonly remoteKind: Int32Array;
  nTargets = 0;

  // Per-target scratch, flush-relative cycles; allocated once.
  /** One line transfer to each target, cycles (by its distance), filled per iteration. */
  private readonly targetLt: Float64Array;
  private readonly queued: Float64Array;
  private readonly sent: Float64Array;
  private readonly busyUntil: Float64Array;
  private readonly dequeuedAt: Float64Array;

  /** Cache-line transfers counted in the last flush. */
  lineTransfers = 0;
  /** The kind of the initiator's own flush in the last one modeled (its refills follow it). */
  private localKind = 0;
  /** ICR writes the last flush made (one per x2APIC cluster, or per CPU in physical mode). */
  icrWrites = 0;
  /** Initiator cycles spent before the flush call in the last iteration (syscall, calls, zap). */
  preFlushCycles = 0;
  /** The rest of the system call after the flush in the last iteration (freeing the pages). */
  postFlushCycles = 0;

  constructor(p: ModelParams) {
    this.p = p;
    this.c = p.profile.cycles;
    this.lt = p.profile.lineTransferCycles;
    this.byRef = !p.traits.infoInline;
    const n = p.initiator === false ? 0 : p.cpus;
    this.targets = new Int32Array(n);
    this.remoteKind = new Int32Array(n);
    this.targetLt = new Float64Array(n);
    this.queued = new Float64Array(n);
    this.sent = new Float64Array(n);
    this.busyUntil = new Float64Array(n);
    this.dequeuedAt = new Float64Array(n);
    this.irqsOffPhase = new Float64Array(n);
    this.cluster = p.clusters;
    let clusters = 0;
    for (let cpu = 0; cpu < n; cpu++) clusters = Math.max(clusters, this.cluster[cpu] + 1);
    this.clusterSeen = new Int32Array(clusters);
    this.clusterSentAt = new Float64Array(clusters);
    this.pti = p.profile.pti;
    for (let cpu = 0; cpu < n; cpu++) {
      this.irqsOffPhase[cpu] =
        mix32(p.seed ^ Math.imul(cpu + 1, 0x27d4eb2d)) % IRQS_OFF_PERIOD_CYCLES;
    }
  }

  /** The invalidations of one flush_tlb_func: INVLPG per page or a CR3 write; twice under PTI. */
  invalidation(kind: number): number {
    const profile = this.p.profile;
    if (kind === FLUSH_PARTIAL) return this.p.pages * pageInvalidation(profile);
    if (kind === FLUSH_FULL) return fullInvalidation(profile);
    return 0;
  }

  /** The page walks a full flush causes on the CPU that did it, once it runs again. */
  refill(kind: number): number {
    return kind === FLUSH_FULL ? this.p.refillEntries * this.c.pageWalk : 0;
  }

  /**
   * What flush_tlb_func costs the CPU that runs it, the tlb_gen line aside: its overhead
   * (interrupts off and on, cpu_tlbstate) and the invalidations. A CPU already caught up does
   * nothing (kind 0).
   */
  flushCost(kind: number): number {
    return kind === 0 ? 0 : this.c.flushTlbFunc + this.invalidation(kind);
  }

  /** Cycles interrupts stay off on `cpu` after modeled time `at` (workload irqs-off). */
  irqsOffDelay(cpu: number, at: number): number {
    if (!this.p.irqsOff) return 0;
    const x = (at + this.irqsOffPhase[cpu]) % IRQS_OFF_PERIOD_CYCLES;
    return x < IRQS_OFF_WINDOW_CYCLES ? IRQS_OFF_WINDOW_CYCLES - x : 0;
  }

  /**
   * Models the part of an iteration before the flush: madvise's syscall entry, the cross-call
   * queued ahead of the flush (workload crosscall), the zap. Call after setting the targets.
   */
  beginIteration(): number {
    const c = this.c;
    this.fillTargetLines();
    let t = c.syscall;
    for (let i = 0; i < this.nTargets; i++) {
      this.busyUntil[i] = Number.NEGATIVE_INFINITY;
      this.dequeuedAt[i] = Number.NEGATIVE_INFINITY;
    }
    if (this.p.crosscall) {
      // smp_call_function_many(): queue a csd on every target, then one IPI per cluster.
      for (let i = 0; i < this.nTargets; i++) t += 2 * this.targetLt[i];
      t = this.sendIpis(t, null);
    }
    // inc_mm_tlb_gen(): a locked add on a line every target read in the last flush, so it
    // first takes the line back from the farthest of them.
    let farthest = 0;
    for (let i = 0; i < this.nTargets; i++) {
      farthest = Math.max(farthest, this.targetLt[i]);
    }
    // madvise's body (mmap lock, VMA lookup, zap_page_range's set-up and walk) and the PTE writes.
    t += c.madviseBody + this.p.pages * c.pteUpdate + c.localAtomic + farthest;
    this.preFlushCycles = t;
    if (this.p.crosscall) {
      // The earlier cross-call's handler on each target, flush-relative.
      for (let i = 0; i < this.nTargets; i++) {
        const x = this.targetLt[i];
        const start = this.sent[i] - t + x + c.ipiEntry;
        this.dequeuedAt[i] = start + x;
        this.busyUntil[i] = start + 2 * x + CROSSCALL_READS * c.tlbHit + x + c.ipiExit;
      }
    }
    return t;
  }

  /**
   * Each target's line transfer, from its distance: looked up once an iteration, in
   * beginIteration(), and read by every loop over the targets until the iteration ends.
   */
  private fillTargetLines(): void {
    const lt = this.lt;
    const d = this.p.distances;
    for (let i = 0; i < this.nTargets; i++) this.targetLt[i] = lt[d.to(this.targets[i])];
  }

  /**
   * The initiator's flush call, in cycles, after beginIteration(). `globalStart` is the
   * initiator's modeled clock at the call (for the interrupt-disabled windows); `waitForFlush` is
   * true when the csd is SYNC.
   */
  flush(
    localKind: number,
    fullRange: boolean,
    waitForFlush: boolean,
    globalStart: number,
    trace: TraceEvent[] | null,
  ): number {
    const c = this.c;
    const self = this.p.self;
    let transfers = 0;
    if (this.p.traits.transport === 'broadcast') {
      const ops = invlpgbOps(this.p.profile, fullRange ? 0 : this.p.pages);
      this.localKind = fullRange ? FLUSH_FULL : FLUSH_PARTIAL;
      const own = ops * c.invlpgb + c.tlbsync;
      const done = own + this.broadcastContention(ops, own);
      if (trace) {
        trace.push({ cpu: self, event: 'flush-start', cycles: 0 });
        trace.push({ cpu: self, event: 'invlpgb', cycles: ops * c.invlpgb });
        trace.push({ cpu: self, event: 'tlbsync-done', cycles: done });
      }
      this.lineTransfers = 0;
      this.icrWrites = 0;
      return done;
    }
    this.localKind = localKind;
    let t = 0;
    trace?.push({ cpu: self, event: 'flush-start', cycles: 0 });
    if (this.p.traits.localFlushFirst) t = this.localFlush(localKind, t, trace);
    if (this.p.traits.lazyCheckSharesLine) {
      // Linux 5.2's on_each_cpu_cond_mask(tlb_is_not_lazy): each target's is_lazy, on the line
      // that target wrote in its last flush.
      for (let i = 0; i < this.nTargets; i++) {
        t += this.targetLt[i];
        transfers += 1;
        trace?.push({ cpu: self, event: 'is-lazy-read', cycles: t, peer: this.targets[i] });
      }
    }
    // Linux 5.2 sends to a single target with a fresh csd on its own stack: no lock transfer.
    const onStack = this.p.traits.onStackCsdForOne && this.nTargets === 1;
    for (let i = 0; i < this.nTargets; i++) {
      const x = this.targetLt[i];
      if (!onStack) {
        t += x; // csd_lock: the target wrote this line when it unlocked last time
        transfers += 1;
      }
      if (!this.byRef) t += c.inlineCopy;
      t += x; // llist_add / ring push on the target's queue line
      transfers += 1;
      this.queued[i] = t;
      trace?.push({ cpu: self, event: 'csd-queued', cycles: t, peer: this.targets[i] });
    }
    t = this.sendIpis(t, trace);
    if (!this.p.traits.localFlushFirst) t = this.localFlush(localKind, t, trace);
    let done = t;
    for (let i = 0; i < this.nTargets; i++) {
      const cpu = this.targets[i];
      const x = this.targetLt[i];
      let start: number;
      if (!Number.isNaN(this.sent[i])) {
        let arrive = this.sent[i] + x;
        trace?.push({ cpu, event: 'ipi-delivered', cycles: arrive, peer: self });
        if (this.p.idleTargets) arrive += c.idleWake;
        start = Math.max(arrive, this.busyUntil[i]);
        start += this.irqsOffDelay(cpu, globalStart + start);
        start += c.ipiEntry;
      } else {
        // The target is already draining its queue: it reaches our csd after the earlier one.
        start = Math.max(this.queued[i], this.busyUntil[i]);
      }
      trace?.push({ cpu, event: 'handler-start', cycles: start, peer: self });
      let s = start + 2 * x; // the queue slot, then the csd line
      transfers += 2;
      if (this.byRef) {
        s += x; // flush_tlb_info on the sender's stack
        transfers += 1;
        trace?.push({ cpu, event: 'info-read', cycles: s, peer: self });
      } else {
        s += c.inlineCopy;
        trace?.push({ cpu, event: 'info-copied', cycles: s, peer: self });
      }
      // With an async csd the target reports nothing back (the csd is the sender's again once
      // unlocked), and its flush is off the sender's path: draw it as the flush it would do.
      const kind = waitForFlush ? this.remoteKind[i] : fullRange ? FLUSH_FULL : FLUSH_PARTIAL;
      let unlock: number;
      if (waitForFlush) {
        s = this.remoteFlush(cpu, kind, x, s, trace);
        unlock = s + x;
        trace?.push({ cpu, event: 'csd-unlocked', cycles: unlock, peer: self });
      } else {
        unlock = s + x;
        trace?.push({ cpu, event: 'csd-unlocked', cycles: unlock, peer: self });
        s = this.remoteFlush(cpu, kind, x, unlock, trace);
      }
      transfers += 1; // the tlb_gen line, on the sender's path or not
      if (!Number.isNaN(this.sent[i])) {
        // irq_exit and IRET, after the handler: the target's time, not the sender's.
        trace?.push({ cpu, event: 'irq-exit-end', cycles: Math.max(s, unlock) + c.ipiExit });
      }
      if (this.p.waitsForAcks === false) continue;
      const seen = unlock + x; // the sender's csd_lock_wait reads the line again
      transfers += 2;
      if (seen > done) done = seen;
    }
    trace?.push({ cpu: self, event: 'flush-done', cycles: done });
    this.lineTransfers = transfers;
    return done;
  }

  /** What a TLBSYNC waits behind the other broadcasters' invalidations (tlbsyncWait). */
  private broadcastContention(ops: number, own: number): number {
    const others = (this.p.broadcasters ?? 1) - 1;
    if (others <= 0) return 0;
    const i0 = this.preFlushCycles + own + this.afterFlushCycles();
    return tlbsyncWait(others * ops * this.c.invlpg, i0, own);
  }

  /** The initiator's own flush_tlb_func, from `t`: the tlb_gen line is its own. */
  private localFlush(kind: number, t: number, trace: TraceEvent[] | null): number {
    const self = this.p.self;
    trace?.push({ cpu: self, event: 'local-flush-start', cycles: t });
    return this.flushFunc(self, kind, 0, t, 'local-flush-end', trace);
  }

  /** A target's flush_tlb_func from `s`: it reads the mm's tlb_gen the sender just bumped. */
  private remoteFlush(
    cpu: number,
    kind: number,
    x: number,
    s: number,
    trace: TraceEvent[] | null,
  ): number {
    trace?.push({ cpu, event: 'flush-start', cycles: s });
    return this.flushFunc(cpu, kind, x, s, 'flush-end', trace);
  }

  /**
   * flush_tlb_func as the trace shows it: its overhead, the mm's tlb_gen line (`x` away), the
   * invalidations, and under PTI the user PCID's. A CPU already caught up reads tlb_gen only.
   */
  private flushFunc(
    cpu: number,
    kind: number,
    x: number,
    t: number,
    endEvent: string,
    trace: TraceEvent[] | null,
  ): number {
    const c = this.c;
    if (kind !== 0) t += c.flushTlbFunc;
    trace?.push({ cpu, event: 'tlb-state-read', cycles: t });
    t += x;
    trace?.push({ cpu, event: 'tlb-gen-read', cycles: t });
    if (kind === 0) return t;
    const both = this.invalidation(kind);
    // Under PTI the second half is the user PCID's (INVPCID, or the CR3 write on the way out).
    const kernel = kind === FLUSH_PARTIAL ? this.p.pages * c.invlpg : c.fullFlush;
    const user = both - kernel;
    t += both - user;
    trace?.push({ cpu, event: endEvent, cycles: t });
    if (user > 0) {
      t += user;
      trace?.push({ cpu, event: 'pti-flush-end', cycles: t });
    }
    return t;
  }

  /**
   * send_call_function_ipi_mask: an IPI to every target whose queue was empty, as the x2APIC
   * driver sends them — one ICR write per cluster (or per CPU in physical mode), in CPU order of
   * each cluster's first target. Returns the sender's clock after the last write.
   */
  private sendIpis(t: number, trace: TraceEvent[] | null): number {
    const self = this.p.self;
    let writes = 0;
    for (let i = 0; i < this.nTargets; i++) this.sent[i] = Number.NaN;
    if (trace === null) {
      // The same writes and times in one pass: a cluster's write is made at its first target.
      const stamp = ++this.clusterStamp;
      for (let i = 0; i < this.nTargets; i++) {
        if (!this.ipiNeeded(i)) continue;
        const cluster = this.cluster[this.targets[i]];
        if (this.clusterSeen[cluster] !== stamp) {
          this.clusterSeen[cluster] = stamp;
          t += this.c.ipiSend;
          writes++;
          this.clusterSentAt[cluster] = t;
        }
        this.sent[i] = this.clusterSentAt[cluster];
      }
      this.icrWrites = writes;
      return t;
    }
    // Traced: each write, then the IPIs it carries, in the order the trace draws them.
    for (let i = 0; i < this.nTargets; i++) {
      if (!Number.isNaN(this.sent[i]) || !this.ipiNeeded(i)) continue;
      t += this.c.ipiSend;
      writes++;
      const cluster = this.cluster[this.targets[i]];
      trace?.push({ cpu: self, event: 'icr-write', cycles: t, peer: this.targets[i] });
      for (let j = i; j < this.nTargets; j++) {
        if (this.cluster[this.targets[j]] === cluster && this.ipiNeeded(j)) {
          this.sent[j] = t;
          trace?.push({ cpu: self, event: 'ipi-sent', cycles: t, peer: this.targets[j] });
        }
      }
    }
    this.icrWrites = writes;
    return t;
  }

  /** The ICR writes an IPI to every target takes: its distinct clusters (or CPUs). */
  private clusterCount(): number {
    // A stamp per cluster marks the ones counted in this call: linear in the targets.
    const stamp = ++this.clusterStamp;
    let n = 0;
    for (let i = 0; i < this.nTargets; i++) {
      const cluster = this.cluster[this.targets[i]];
      if (this.clusterSeen[cluster] !== stamp) {
        this.clusterSeen[cluster] = stamp;
        n++;
      }
    }
    return n;
  }

  /**
   * The initiator's iteration: what came before the flush, the flush, the pages freed after it
   * (tlb_finish_mmu() frees them once the flush returned), the refault, the refills.
   */
  endIteration(flushCycles: number): number {
    this.postFlushCycles = this.p.pages * this.c.pageFree;
    return this.preFlushCycles + flushCycles + this.afterFlushCycles();
  }

  /**
   * The iteration after the flush call, as of the last flush modeled: the pages freed, the
   * cross-call behind the flush (workload crosscall), the refault, the initiator's refills.
   */
  private afterFlushCycles(): number {
    const c = this.c;
    let after = this.p.pages * c.pageFree;
    if (this.p.crosscall) {
      // The cross-call behind the flush: a csd on every target, one IPI per cluster.
      for (let i = 0; i < this.nTargets; i++) after += 2 * this.targetLt[i];
      after += this.clusterCount() * c.ipiSend;
    }
    // The refault (a will-it-scale loop: its write and read faults): a fault, a walk and a PTE
    // write each, then the access that hits.
    const faults = this.p.faultsPerPage ?? 1;
    after += this.p.pages * (faults * (c.pageFault + c.pageWalk + c.pteUpdate) + c.tlbHit);
    return after + this.refill(this.localKind);
  }

  /**
   * A target's handler for one flush csd, as the target itself accounts it: the interrupt's
   * entry and exit, the lines, flush_tlb_func, and the refills a full flush causes.
   */
  remoteHandler(sender: number, byRef: boolean, kind: number, viaIpi: boolean): number {
    const c = this.c;
    const x = this.lt[this.p.distances.to(sender)];
    return (
      (viaIpi ? c.ipiEntry + c.ipiExit : 0) +
      2 * x +
      (byRef ? x : c.inlineCopy) +
      this.flushCost(kind) +
      x + // the tlb_gen line
      x + // the unlock
      this.refill(kind)
    );
  }

  private ipiNeeded(i: number): boolean {
    // The queue is non-empty (no IPI) while the earlier cross-call is still queued.
    return !(this.queued[i] < this.dequeuedAt[i]);
  }
}

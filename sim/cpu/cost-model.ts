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
 *            call_single_queue
 *   target   the queue slot, the csd line, [sync/concurrent] the flush_tlb_info on the sender's
 *            stack, the unlock (ownership back), and the sender's poll reading it again
 * Inlining the info into the csd (async-inline) trades the info-line transfer for two short copies
 * and moves the target's flush after the acknowledgement.
 *
 * Modeling choices not backed by a published figure are marked in the profiles (estimate: true):
 * notably an IPI crossing the fabric is charged one line transfer at the distance, and the whole
 * measured receive cost is charged before the handler body runs.
 */
import { FLUSH_FULL, FLUSH_PARTIAL } from '../shared/layout.js';
import type { TraceEvent } from '../shared/messages.js';
import type { Profile } from '../shared/profile.js';
import type { ProtocolTraits } from '../shared/protocols.js';

/** User reads a cross-call makes on the target (workload `crosscall`). */
export const CROSSCALL_READS = 4;

/**
 * Interrupt-disabled windows of workload `irqs-off`, in modeled time: every target spends
 * IRQS_OFF_WINDOW_CYCLES of every IRQS_OFF_PERIOD_CYCLES with interrupts off, at a phase drawn
 * from the seed. 4000 of 32000 cycles: 2 µs of every 16 µs at 2 GHz, a spin_lock_irqsave-sized
 * critical section hit 1 time in 8.
 */
export const IRQS_OFF_WINDOW_CYCLES = 4000;
export const IRQS_OFF_PERIOD_CYCLES = 32000;

export interface ModelParams {
  profile: Profile;
  cpus: number;
  self: number;
  /** Distance classes from `self` to every CPU. */
  distances: Uint8Array;
  traits: ProtocolTraits;
  pages: number;
  seed: number;
  crosscall: boolean;
  irqsOff: boolean;
  idleTargets: boolean;
}

/** SplitMix32-style mixing: the phase of each CPU's interrupt-disabled windows. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class FlushCostModel {
  private readonly p: ModelParams;
  private readonly c: Profile['cycles'];
  private readonly lt: readonly number[];
  private readonly byRef: boolean;
  private readonly irqsOffPhase: Float64Array;

  /** Targets of the flush being modeled and what each one's flush did (set by the caller). */
  readonly targets: Int32Array;
  readonly remoteKind: Int32Array;
  nTargets = 0;

  // Per-target scratch, flush-relative cycles; allocated once.
  private readonly queued: Float64Array;
  private readonly sent: Float64Array;
  private readonly busyUntil: Float64Array;
  private readonly dequeuedAt: Float64Array;

  /** Cache-line transfers counted in the last flush. */
  lineTransfers = 0;
  /** Initiator cycles spent before the flush call in the last iteration (syscall, calls, zap). */
  preFlushCycles = 0;

  constructor(p: ModelParams) {
    this.p = p;
    this.c = p.profile.cycles;
    this.lt = p.profile.lineTransferCycles;
    this.byRef = !p.traits.infoInline;
    this.targets = new Int32Array(p.cpus);
    this.remoteKind = new Int32Array(p.cpus);
    this.queued = new Float64Array(p.cpus);
    this.sent = new Float64Array(p.cpus);
    this.busyUntil = new Float64Array(p.cpus);
    this.dequeuedAt = new Float64Array(p.cpus);
    this.irqsOffPhase = new Float64Array(p.cpus);
    for (let cpu = 0; cpu < p.cpus; cpu++) {
      this.irqsOffPhase[cpu] =
        mix32(p.seed ^ Math.imul(cpu + 1, 0x27d4eb2d)) % IRQS_OFF_PERIOD_CYCLES;
    }
  }

  flushCost(kind: number): number {
    if (kind === FLUSH_PARTIAL) return this.p.pages * this.c.invlpg;
    if (kind === FLUSH_FULL) return this.c.fullFlush;
    return 0;
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
    let t = c.syscall;
    for (let i = 0; i < this.nTargets; i++) {
      this.busyUntil[i] = Number.NEGATIVE_INFINITY;
      this.dequeuedAt[i] = Number.NEGATIVE_INFINITY;
    }
    if (this.p.crosscall) {
      for (let i = 0; i < this.nTargets; i++) {
        t += 2 * this.lt[this.p.distances[this.targets[i]]] + c.ipiSend;
        this.sent[i] = t;
      }
    }
    t += this.p.pages * c.pteUpdate + c.localAtomic;
    this.preFlushCycles = t;
    if (this.p.crosscall) {
      // The earlier cross-call's handler on each target, flush-relative.
      for (let i = 0; i < this.nTargets; i++) {
        const x = this.lt[this.p.distances[this.targets[i]]];
        const start = this.sent[i] - t + x + c.ipiReceive;
        this.dequeuedAt[i] = start + x;
        this.busyUntil[i] = start + 2 * x + CROSSCALL_READS * c.tlbHit + x;
      }
    }
    return t;
  }

  /**
   * The initiator's flush call, in cycles. `globalStart` is the initiator's modeled clock at the
   * call (for the interrupt-disabled windows); `waitForFlush` is true when the csd is SYNC.
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
      const ops = fullRange ? 1 : this.p.pages;
      const done = ops * c.invlpgb + c.tlbsync;
      if (trace) {
        trace.push({ cpu: self, event: 'flush-start', cycles: 0 });
        trace.push({ cpu: self, event: 'invlpgb', cycles: ops * c.invlpgb });
        trace.push({ cpu: self, event: 'tlbsync-done', cycles: done });
      }
      this.lineTransfers = 0;
      return done;
    }
    const localCost = this.flushCost(localKind);
    let t = 0;
    trace?.push({ cpu: self, event: 'flush-start', cycles: 0 });
    if (this.p.traits.localFlushFirst) {
      trace?.push({ cpu: self, event: 'local-flush-start', cycles: t });
      t += localCost;
      trace?.push({ cpu: self, event: 'local-flush-end', cycles: t });
    }
    for (let i = 0; i < this.nTargets; i++) {
      const x = this.lt[this.p.distances[this.targets[i]]];
      t += x; // csd_lock: the target wrote this line when it unlocked last time
      if (!this.byRef) t += c.inlineCopy;
      t += x; // llist_add / ring push on the target's queue line
      transfers += 2;
      this.queued[i] = t;
      trace?.push({ cpu: self, event: 'csd-queued', cycles: t, peer: this.targets[i] });
    }
    // send_call_function_ipi_mask: one IPI per target whose queue was empty.
    for (let i = 0; i < this.nTargets; i++) {
      if (this.ipiNeeded(i)) {
        t += c.ipiSend;
        this.sent[i] = t;
        trace?.push({ cpu: self, event: 'ipi-sent', cycles: t, peer: this.targets[i] });
      } else {
        this.sent[i] = Number.NaN;
      }
    }
    if (!this.p.traits.localFlushFirst) {
      trace?.push({ cpu: self, event: 'local-flush-start', cycles: t });
      t += localCost;
      trace?.push({ cpu: self, event: 'local-flush-end', cycles: t });
    }
    let done = t;
    for (let i = 0; i < this.nTargets; i++) {
      const cpu = this.targets[i];
      const x = this.lt[this.p.distances[cpu]];
      let start: number;
      if (!Number.isNaN(this.sent[i])) {
        let arrive = this.sent[i] + x;
        trace?.push({ cpu, event: 'ipi-delivered', cycles: arrive, peer: self });
        if (this.p.idleTargets) arrive += c.idleWake;
        start = Math.max(arrive, this.busyUntil[i]);
        start += this.irqsOffDelay(cpu, globalStart + start);
        start += c.ipiReceive;
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
      const flushCost = this.flushCost(kind);
      let unlock: number;
      if (waitForFlush) {
        trace?.push({ cpu, event: 'flush-start', cycles: s });
        s += flushCost;
        trace?.push({ cpu, event: 'flush-end', cycles: s });
        unlock = s + x;
        trace?.push({ cpu, event: 'csd-unlocked', cycles: unlock, peer: self });
      } else {
        unlock = s + x;
        trace?.push({ cpu, event: 'csd-unlocked', cycles: unlock, peer: self });
        trace?.push({ cpu, event: 'flush-start', cycles: unlock });
        trace?.push({ cpu, event: 'flush-end', cycles: unlock + flushCost });
      }
      const seen = unlock + x; // the sender's csd_lock_wait reads the line again
      transfers += 2;
      if (seen > done) done = seen;
    }
    trace?.push({ cpu: self, event: 'flush-done', cycles: done });
    this.lineTransfers = transfers;
    return done;
  }

  /** The initiator's iteration: what came before the flush, the flush, and the refault. */
  endIteration(flushCycles: number): number {
    const c = this.c;
    let after = 0;
    if (this.p.crosscall) {
      for (let i = 0; i < this.nTargets; i++) {
        after += 2 * this.lt[this.p.distances[this.targets[i]]] + c.ipiSend;
      }
    }
    after += this.p.pages * (c.pageFault + c.pageWalk + c.pteUpdate + c.tlbHit);
    return this.preFlushCycles + flushCycles + after;
  }

  /** A target's handler for one flush csd, as the target itself accounts it. */
  remoteHandler(sender: number, byRef: boolean, kind: number, viaIpi: boolean): number {
    const c = this.c;
    const x = this.lt[this.p.distances[sender]];
    return (
      (viaIpi ? c.ipiReceive : 0) + 2 * x + (byRef ? x : c.inlineCopy) + this.flushCost(kind) + x
    );
  }

  private ipiNeeded(i: number): boolean {
    // The queue is non-empty (no IPI) while the earlier cross-call is still queued.
    return !(this.queued[i] < this.dequeuedAt[i]);
  }
}

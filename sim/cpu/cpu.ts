/**
 * One simulated CPU, the code that runs inside a worker thread: a case from its setup and start
 * barrier to its result. The CPU is made of parts, one concept per file; each takes in its
 * constructor the shared context (cpu-context.ts) and only the parts it uses, through small
 * interfaces, so the arrows point one way:
 *
 *   memory          access through TLB and oracle, page walks, flush_tlb_func(), switch_mm
 *   deferred-flush  an acknowledged flush not done yet                      ← memory
 *   nmi             NMIs and nmi_uaccess_okay()                             ← memory, deferred
 *   injected-fault  --fault: throw, exit or hang at the n-th csd
 *   ipi-handler     the target's interrupt side: the call_single_queue    ← memory, deferred,
 *                   handler, csd_unlock()                                      nmi, fault
 *   smp             the sender's side: flush mask, csd_lock(), IPIs        ← ipi-handler, fault
 *   user-work       user threads and idling, taking interrupts            ← memory, deferred,
 *                                                                            nmi, ipi-handler, fault
 *   zap-range       the initiator's range: zap, writeback, refault         ← memory
 *   shootdown       flush_tlb_mm_range(), by IPIs or INVLPGB + TLBSYNC      ← memory, smp
 *   initiator       the measured madvise loop                              ← smp, ipi-handler,
 *                                                                            user-work, zap-range,
 *                                                                            shootdown, fault
 *   cpu             wires them, runs a case (this file)
 *
 * The oracle (oracle.ts) is handed to the parts that tell it something. Every wait is a yield
 * after filling the context's WaitPoint (wait-point.ts), whatever part it is in.
 */

import { cpuStuck } from '../shared/errors.js';
import {
  kCpuIrqsEnabled,
  kCpuIsLazy,
  kCpuLoadedMm,
  kDoneCount,
  kInitiatorsDone,
  kReadyCount,
  kStop,
  MM_ID,
} from '../shared/layout.js';
import {
  C_CSDS_HANDLED,
  type CaseConfig,
  type CpuResult,
  type TraceEvent,
} from '../shared/messages.js';
import { CpuContext, PARK_SLICE_MS } from './cpu-context.js';
import { DeferredFlush } from './deferred-flush.js';
import { Initiator } from './initiator.js';
import { InjectedFault } from './injected-fault.js';
import { IpiHandler } from './ipi-handler.js';
import type { MachineParts } from './machine-parts.js';
import { CpuMemory } from './memory.js';
import { Nmi } from './nmi.js';
import { Oracle } from './oracle.js';
import { Shootdown } from './shootdown.js';
import { Smp } from './smp.js';
import { UserWork } from './user-work.js';
import { type CpuHost, W_BARRIER, type WaitPoint, type Waits } from './wait-point.js';
import { WHERE_END, WHERE_USER } from './where.js';
import { ZapRange } from './zap-range.js';

export { type CpuInit, type MachineParts, machineParts } from './machine-parts.js';

export class Cpu {
  /** What this CPU waits for when its code yields (see wait-point.ts). */
  readonly wait: WaitPoint;
  private readonly ctx: CpuContext;
  private readonly oracle: Oracle;
  private readonly memory: CpuMemory;
  private readonly deferred: DeferredFlush;
  private readonly nmi: Nmi;
  private readonly fault: InjectedFault;
  private readonly irqs: IpiHandler;
  private readonly smp: Smp;
  private readonly user: UserWork;
  private readonly range: ZapRange;
  private readonly initiator: Initiator;

  constructor(parts: MachineParts, cpu: number, host: CpuHost) {
    const ctx = new CpuContext(parts.i32, parts.layout, cpu, host);
    const tlb = parts.tlbs[cpu];
    this.ctx = ctx;
    this.wait = ctx.wait;
    this.oracle = new Oracle(parts.i32, parts.layout, cpu, tlb);
    this.memory = new CpuMemory(ctx, tlb, parts.pscs[cpu], this.oracle);
    this.deferred = new DeferredFlush(ctx, this.memory, this.oracle);
    this.nmi = new Nmi(ctx, this.memory, this.deferred);
    this.fault = new InjectedFault(ctx);
    this.irqs = new IpiHandler(ctx, this.memory, this.deferred, this.nmi, this.fault, this.oracle);
    this.smp = new Smp(ctx, this.irqs, this.fault);
    this.user = new UserWork(ctx, this.memory, this.deferred, this.nmi, this.irqs, this.fault);
    this.range = new ZapRange(ctx, this.memory, this.oracle);
    const shootdown = new Shootdown(
      ctx,
      this.memory,
      this.smp,
      parts.tlbs,
      parts.pscs,
      this.oracle,
    );
    this.initiator = new Initiator(
      ctx,
      this.smp,
      this.irqs,
      this.user,
      this.range,
      shootdown,
      this.fault,
    );
  }

  /**
   * Runs one case to the end and returns this CPU's results; each yield is a wait point (see
   * wait-point.ts). Throws on a failure.
   */
  *runCase(cfg: CaseConfig): Waits<CpuResult> {
    this.setupCase(cfg);
    const ctx = this.ctx;
    const i32 = ctx.i32;
    const isInitiator = ctx.initiator;
    // Every CPU starts with the mm loaded and its TLB and paging-structure cache warm, as the
    // threads of a process that has been running would.
    // Published before the start barrier; initiators read them in collectTargets.
    Atomics.store(i32, ctx.shared + kCpuLoadedMm, MM_ID);
    // Interrupts on; published for whoever inspects this CPU (see userBurst).
    Atomics.store(i32, ctx.priv + kCpuIrqsEnabled, 1);
    this.memory.warmPass(WHERE_USER);
    const lazy = !isInitiator && ctx.opts.workload === 'idle';
    // Idle in lazy TLB mode: the mm stays loaded, but flushes skip this CPU.
    if (lazy) Atomics.store(i32, ctx.shared + kCpuIsLazy, 1);
    yield* this.barrier(kReadyCount, 'start');

    let samplesNs: Float64Array | null = null;
    let modeled: Float64Array | null = null;
    let iterations: Float64Array | null = null;
    let trace: TraceEvent[] | null = null;
    if (isInitiator) {
      samplesNs = new Float64Array(ctx.opts.flushes);
      modeled = new Float64Array(ctx.opts.flushes);
      iterations = new Float64Array(ctx.opts.flushes);
      trace = ctx.opts.trace && ctx.id === 0 ? [] : null;
      samplesNs = yield* this.initiator.runInitiator(samplesNs, modeled, iterations, trace);
      // The last initiator to finish stops everyone.
      if (Atomics.add(i32, kInitiatorsDone, 1) + 1 === ctx.initiatorCount()) {
        // Pairs with respond()'s load of kStop on every CPU.
        Atomics.store(i32, kStop, 1);
        for (let c = 0; c < ctx.n; c++) ctx.wake(c);
      }
    }
    yield* this.user.respond();

    // The run is over. Lazy CPUs, which kept the mm's page tables loaded all along, return to
    // the mm (catching up through tlb_gen); then every non-initiator touches its working set once
    // more, so a flush that was wrongly skipped or deferred shows up as a stale use.
    if (this.deferred.pending) this.deferred.runDeferredFlush();
    if (lazy) {
      this.memory.speculativeWalk(`a speculative walk on lazy CPU ${ctx.id}`);
      this.memory.switchMmIrqsOff();
    }
    if (!isInitiator) this.memory.warmPass(WHERE_END);
    yield* this.barrier(kDoneCount, 'end');
    if (isInitiator) this.range.sweepLostWrites();

    const initiator = this.initiator;
    return {
      type: 'result',
      cpu: ctx.id,
      initiator: isInitiator,
      flushesRun: initiator.flushesRun,
      warmupFlushes: initiator.warmupRun,
      samplesNs,
      rme: initiator.tinybenchRme,
      modeledCycles: modeled,
      iterationCycles: iterations,
      callCycles: initiator.callCycles,
      counters: ctx.counters.slice(),
      remoteHandlerCycles: ctx.remoteHandlerCycles,
      remoteHandlers: ctx.remoteHandlers,
      oracle: this.oracle.counts(),
      trace,
      order: ctx.order,
    };
  }

  /** The context first (options, traits, the cost model), then each part copies its fields. */
  private setupCase(cfg: CaseConfig): void {
    const ctx = this.ctx;
    ctx.setupCase(cfg);
    this.oracle.setupCase(ctx.space);
    this.memory.setupCase();
    this.deferred.setupCase();
    this.nmi.setupCase();
    this.fault.setupCase();
    this.irqs.setupCase();
    this.smp.setupCase();
    this.user.setupCase();
    this.range.setupCase();
    this.initiator.setupCase();
  }

  /** A barrier around the case, bounded; the last CPU to arrive wakes the others. */
  private *barrier(idx: number, what: string): Waits {
    const ctx = this.ctx;
    const i32 = ctx.i32;
    const n = ctx.n;
    // Arrive; the last to arrive wakes those parked below on the same word.
    if (Atomics.add(i32, idx, 1) + 1 >= n) {
      Atomics.notify(i32, idx);
      return;
    }
    const deadline = ctx.host.now() + ctx.cfg.barrierTimeoutMs;
    for (;;) {
      // Pairs with the other CPUs' Atomics.add as they arrive.
      const arrived = Atomics.load(i32, idx);
      if (arrived >= n) return;
      ctx.checkAbort();
      if (ctx.host.now() > deadline) {
        throw cpuStuck(
          `CPU ${ctx.id} waited ${ctx.cfg.barrierTimeoutMs} ms at the ${what} barrier: only ${arrived} of ${n} CPUs arrived`,
          ctx.id,
        );
      }
      // Pairs with the last arriver's notify (threads); looked at after every step (cooperative).
      this.wait.untilAtLeast(W_BARRIER, idx, n);
      this.wait.sleep(idx, arrived, PARK_SLICE_MS, false);
      yield;
    }
  }

  /** csds this CPU handled so far in the case (a schedule's steps tell what each step did). */
  get csdsHandled(): number {
    return this.ctx.counters[C_CSDS_HANDLED];
  }

  /** Accesses the oracle checked on this CPU so far in the case. */
  get accessesChecked(): number {
    return this.oracle.checkedAccesses;
  }
}

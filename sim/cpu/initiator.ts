/**
 * The initiator: the workload's madvise(DONTNEED) loop — zap, flush_tlb_mm_range() by the
 * protocol under test, write back and refault — warmed up, then measured by tinybench (or a
 * fixed count) with the modeled cycles of each flush computed outside the timed call. The zap
 * and refault are zap-range.ts; the flush is shootdown.ts.
 */

import { Bench } from 'tinybench';
import { cpuCrashed } from '../shared/errors.js';
import {
  CSD_CALL_AFTER,
  CSD_CALL_BEFORE,
  CSD_FLUSH,
  FLUSH_NONE,
  kCsdFlushKind,
  kMmTlbGen,
} from '../shared/layout.js';
import { C_MODELED_LINE_TRANSFERS, type TraceEvent } from '../shared/messages.js';
import { WORKLOAD_TRAITS } from '../shared/workloads.js';
import type { CpuContext } from './cpu-context.js';
import type { Hang } from './injected-fault.js';
import type { Interrupts } from './ipi-handler.js';
import type { Shootdown } from './shootdown.js';
import type { Smp } from './smp.js';
import type { UserWork } from './user-work.js';
import { W_RETURNED, W_USER, W_ZAPPED, type Waits } from './wait-point.js';
import type { ZapRange } from './zap-range.js';

/** tinybench's own warm-up, after ours has had V8 optimize the flush path. */
const TINYBENCH_WARMUP_ITERATIONS = 16;
const TINYBENCH_WARMUP_MS = 10;
/** Flushes every warm-up makes, however short its time budget. */
const MIN_WARMUP_FLUSHES = 8;

/** The initiator's range, as its loop zaps, retires and refaults it around each flush. */
export type InitiatorRange = Readonly<Pick<ZapRange, 'zapStart' | 'zap' | 'retire' | 'refault'>>;

export class Initiator {
  /** Flushes this initiator ran, warm-up and traced one included (counters cover them all). */
  flushesRun = 0;
  warmupRun = 0;
  /** tinybench's relative margin of error of the mean, % (NaN in fixed-count mode). */
  tinybenchRme = Number.NaN;
  /** Modeled cycles of the measured system calls (before the flush + the flush), summed. */
  callCycles = 0;
  /** The initiator's modeled clock, cycles since its first measured flush. */
  private modeledClock = 0;
  /** Handed from beforeFlush to flushOnce to afterFlush. */
  private newTlbGen = 0;
  private localKind = FLUSH_NONE;
  private readonly ctx: CpuContext;
  private readonly smp: Pick<Smp, 'sendCalls' | 'csdAt'>;
  private readonly irqs: Interrupts;
  private readonly user: Pick<UserWork, 'userBurst'>;
  private readonly range: InitiatorRange;
  private readonly shootdown: Pick<Shootdown, 'flushTlbMmRange'>;
  private readonly fault: Hang;

  constructor(
    ctx: CpuContext,
    smp: Pick<Smp, 'sendCalls' | 'csdAt'>,
    irqs: Interrupts,
    user: Pick<UserWork, 'userBurst'>,
    range: InitiatorRange,
    shootdown: Pick<Shootdown, 'flushTlbMmRange'>,
    fault: Hang,
  ) {
    this.ctx = ctx;
    this.smp = smp;
    this.irqs = irqs;
    this.user = user;
    this.range = range;
    this.shootdown = shootdown;
    this.fault = fault;
  }

  setupCase(): void {
    this.flushesRun = 0;
    this.warmupRun = 0;
    this.tinybenchRme = Number.NaN;
    this.callCycles = 0;
  }

  *runInitiator(
    samplesNs: Float64Array,
    modeled: Float64Array,
    iterations: Float64Array,
    trace: TraceEvent[] | null,
  ): Waits<Float64Array> {
    const o = this.ctx.opts;
    // Warm-up until V8 has optimized the flush path (a few thousand flushes here) or the time
    // budget is spent, whichever comes first: parked CPUs make each flush slow at high counts.
    // The cooperative engine counts its warm-up and never times it, so that a schedule replays.
    const counted = this.ctx.host.cooperative;
    const warmEnd = performance.now() + o.warmupMs;
    let k = 0;
    for (
      ;
      k < o.warmupFlushes && (counted || k < MIN_WARMUP_FLUSHES || performance.now() < warmEnd);
      k++
    ) {
      yield* this.iteration(null, null, null, -1, null);
    }
    this.warmupRun = k;
    // A traced flush comes after the warm-up and stays out of the samples: recording allocates.
    if (trace !== null) yield* this.iteration(null, null, null, -1, trace);
    // Modeled time starts at the first measured flush, so the model sees the same environment
    // (interrupt-disabled windows) however long the warm-up ran.
    this.modeledClock = 0;
    if (o.timeMs > 0) return this.measureWithTinybench(modeled, iterations);
    for (let j = 0; j < o.flushes; j++) {
      yield* this.iteration(samplesNs, modeled, iterations, j, null);
    }
    return samplesNs;
  }

  /**
   * tinybench times the flush call alone, here in the initiating CPU's worker: the zap runs in
   * beforeEach, the writeback, refault and model in afterEach. It runs at least `flushes`
   * iterations and at least `timeMs` of flush time; the modeled cycles of the first `flushes`
   * measured flushes are kept, so they stay the same however many the time budget adds. The
   * threads engine only: the timed call must finish on its own (host.runBlocking).
   */
  private measureWithTinybench(modeled: Float64Array, iterations: Float64Array): Float64Array {
    const o = this.ctx.opts;
    let measured = 0;
    let warming = true;
    const bench = new Bench({
      time: o.timeMs,
      iterations: o.flushes,
      warmup: true,
      warmupIterations: TINYBENCH_WARMUP_ITERATIONS,
      warmupTime: TINYBENCH_WARMUP_MS,
      retainSamples: true,
      throws: true,
      now: () => performance.now(),
    });
    const host = this.ctx.host;
    bench.add('flush', () => host.runBlocking(this.flushOnce()), {
      beforeAll: (mode) => {
        warming = mode === 'warmup';
      },
      beforeEach: () => host.runBlocking(this.beforeFlush()),
      afterEach: () => {
        const j = !warming && measured < o.flushes ? measured++ : -1;
        host.runBlocking(
          this.afterFlush(j >= 0 ? modeled : null, j >= 0 ? iterations : null, j, null),
        );
        this.flushesRun++;
      },
    });
    const [task] = bench.runSync();
    const result = task.result;
    if (result.state !== 'completed') {
      throw result.state === 'errored'
        ? result.error
        : cpuCrashed(`tinybench ended in state ${result.state}`, this.ctx.id);
    }
    this.tinybenchRme = result.latency.rme;
    return Float64Array.from(result.latency.samples ?? [], (ms) => ms * 1e6);
  }

  /** One zap → flush → refault, measured into slot j of the arrays when they are given. */
  private *iteration(
    samplesNs: Float64Array | null,
    modeled: Float64Array | null,
    iterations: Float64Array | null,
    j: number,
    trace: TraceEvent[] | null,
  ): Waits {
    // A hung initiator (where every CPU initiates) starts nothing more.
    while (this.fault.hung) {
      this.fault.hangWait();
      yield;
    }
    this.flushesRun++;
    yield* this.beforeFlush();
    const ctx = this.ctx;
    // Other CPUs may run between the zap and the flush, and between its return and the
    // writeback: where stale translations are still legal, and where they no longer are.
    ctx.wait.runnable(W_ZAPPED);
    yield;
    ctx.recording = trace !== null;
    const t0 = performance.now();
    yield* this.flushOnce();
    const t1 = performance.now();
    if (ctx.recording) ctx.note('flush-returned', -1);
    ctx.recording = false;
    if (samplesNs !== null) samplesNs[j] = (t1 - t0) * 1e6;
    ctx.wait.runnable(W_RETURNED);
    yield;
    yield* this.afterFlush(modeled, iterations, j, trace);
  }

  /** madvise(DONTNEED)'s zap, and the cross-call queued ahead of the flush (crosscall). */
  private *beforeFlush(): Waits {
    if (this.ctx.crosscall) yield* this.smp.sendCalls(CSD_CALL_BEFORE);
    this.range.zap();
    // inc_mm_tlb_gen(): after the PTE changes, before anyone is asked to flush. Pairs with the
    // targets' load in flushTlbFunc and with switchMmIrqsOff on a CPU leaving lazy mode.
    this.newTlbGen = Atomics.add(this.ctx.i32, kMmTlbGen, 1) + 1;
  }

  /** The timed part: flush_tlb_mm_range() of the zapped range. */
  private *flushOnce(): Waits {
    const zapStart = this.range.zapStart;
    this.localKind = yield* this.shootdown.flushTlbMmRange(
      zapStart,
      zapStart + this.ctx.opts.pages,
      this.newTlbGen,
    );
  }

  /** Writeback, the cross-call behind the flush, the refault; then the model, untimed. */
  private *afterFlush(
    modeled: Float64Array | null,
    iterations: Float64Array | null,
    j: number,
    trace: TraceEvent[] | null,
  ): Waits {
    const ctx = this.ctx;
    const o = ctx.opts;
    const i32 = ctx.i32;
    const model = ctx.model;
    this.range.retire();
    if (ctx.crosscall) yield* this.smp.sendCalls(CSD_CALL_AFTER);
    this.range.refault();
    // What each target's flush did is in its csd (SYNC csds only: an ASYNC one is the
    // sender's again once unlocked).
    const waitForFlush = ctx.flushBeforeAck;
    if (waitForFlush) {
      for (let i = 0; i < model.nTargets; i++) {
        model.remoteKind[i] = i32[this.smp.csdAt(model.targets[i], CSD_FLUSH) + kCsdFlushKind];
      }
    }
    const pre = model.beginIteration();
    const fullRange = o.pages > o.singlePageFlushCeiling;
    const flushCycles = model.flush(
      this.localKind,
      fullRange,
      waitForFlush,
      this.modeledClock + pre,
      trace,
    );
    const iterationCycles = model.endIteration(flushCycles);
    this.modeledClock += iterationCycles;
    if (modeled !== null && iterations !== null) {
      modeled[j] = flushCycles;
      iterations[j] = iterationCycles;
      this.callCycles += pre + flushCycles + model.postFlushCycles;
      ctx.counters[C_MODELED_LINE_TRANSFERS] += model.lineTransfers;
    }
    if (ctx.userWork && WORKLOAD_TRAITS[o.workload].everyCpuInitiates) {
      this.user.userBurst(o.userBurst);
      // Back in user code between two system calls: another CPU may run here (and IPI us while
      // the burst's translations are cached).
      ctx.wait.runnable(W_USER);
      yield;
    }
    if (this.irqs.ipiPending()) this.irqs.handleIpi();
  }
}

/**
 * One simulated CPU, the code that runs inside a worker thread: a case from its setup and start
 * barrier to its result. The layers below (see cpu-state.ts) hold the rest.
 */

import { AddressSpace } from '../shared/address-space.js';
import { cpuStuck } from '../shared/errors.js';
import {
  FRAME_POOL,
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
import { PROTOCOL_TRAITS } from '../shared/protocols.js';
import { FlushCostModel, mix32 } from './cost-model.js';
import { WHERE_END, WHERE_USER } from './cpu-state.js';
import { NMI_USER_PERIOD } from './deferred-flush.js';
import { CpuInitiator } from './initiator.js';
import { distancesFrom, placementOf } from './placement.js';
import { PARK_SLICE_MS } from './smp.js';
import { W_BARRIER, W_START, type Waits } from './wait-point.js';

export { type CpuInit, type MachineParts, machineParts } from './cpu-state.js';

/** Spin mode: polls between looks at the clock and the abort flag (≈ tens of µs). */
const SPIN_POLLS = 4096;
/** Park mode: polls before parking; a wake costs ≈ 25 µs here, so a short spin pays first. */
const PARK_POLLS = 256;

export class Cpu extends CpuInitiator {
  /**
   * Runs one case to the end and returns this CPU's results; each yield is a wait point (see
   * wait-point.ts). Throws on a failure.
   */
  *runCase(cfg: CaseConfig): Waits<CpuResult> {
    this.setupCase(cfg);
    const i32 = this.i32;
    // Every CPU starts with the mm loaded and its TLB and paging-structure cache warm, as the
    // threads of a process that has been running would.
    // Published before the start barrier; initiators read them in collectTargets.
    Atomics.store(i32, this.shared + kCpuLoadedMm, MM_ID);
    Atomics.store(i32, this.priv + kCpuIrqsEnabled, 1);
    this.warmPass(WHERE_USER);
    const lazy = !this.initiator && this.opts.workload === 'idle';
    // Idle in lazy TLB mode: the mm stays loaded, but flushes skip this CPU.
    if (lazy) Atomics.store(i32, this.shared + kCpuIsLazy, 1);
    yield* this.barrier(kReadyCount, 'start');

    let samplesNs: Float64Array | null = null;
    let modeled: Float64Array | null = null;
    let iterations: Float64Array | null = null;
    let trace: TraceEvent[] | null = null;
    if (this.initiator) {
      samplesNs = new Float64Array(this.opts.flushes);
      modeled = new Float64Array(this.opts.flushes);
      iterations = new Float64Array(this.opts.flushes);
      trace = this.opts.trace && this.id === 0 ? [] : null;
      samplesNs = yield* this.runInitiator(samplesNs, modeled, iterations, trace);
      // The last initiator to finish stops everyone.
      if (Atomics.add(i32, kInitiatorsDone, 1) + 1 === this.initiatorCount()) {
        // Pairs with respond()'s load of kStop on every CPU.
        Atomics.store(i32, kStop, 1);
        for (let c = 0; c < this.n; c++) this.wake(c);
      }
    }
    yield* this.respond();

    // The run is over. Lazy CPUs, which kept the mm's page tables loaded all along, return to
    // the mm (catching up through tlb_gen); then every non-initiator touches its working set once
    // more, so a flush that was wrongly skipped or deferred shows up as a stale use.
    if (this.deferredPending) this.runDeferredFlush();
    if (lazy) {
      this.speculativeWalk(`a speculative walk on lazy CPU ${this.id}`);
      this.switchMmIrqsOff();
    }
    if (!this.initiator) this.warmPass(WHERE_END);
    yield* this.barrier(kDoneCount, 'end');
    if (this.initiator) this.sweepLostWrites();

    return {
      type: 'result',
      cpu: this.id,
      initiator: this.initiator,
      flushesRun: this.flushesRun,
      warmupFlushes: this.warmupRun,
      samplesNs,
      rme: this.tinybenchRme,
      modeledCycles: modeled,
      iterationCycles: iterations,
      callCycles: this.callCycles,
      counters: this.counters.slice(),
      remoteHandlerCycles: this.remoteHandlerCycles,
      remoteHandlers: this.remoteHandlers,
      oracle: this.oracle.counts(),
      trace,
      order: this.order,
    };
  }

  protected setupCase(cfg: CaseConfig): void {
    const o = cfg.options;
    const traits = PROTOCOL_TRAITS[o.protocol];
    this.cfg = cfg;
    this.opts = o;
    this.broadcast = traits.transport === 'broadcast';
    this.byRef = !traits.infoInline;
    this.localFlushFirst = traits.localFlushFirst;
    const freedTablesHonoured = o.freedTables && traits.honoursFreedTables;
    this.flushBeforeAck = traits.flushBeforeAck || freedTablesHonoured;
    this.flushLazy = freedTablesHonoured;
    this.userAccessesBeforeFlush = traits.userAccessesBeforeFlush;
    this.nmiChecksUaccess = traits.nmiChecksUaccess;
    // The cooperative engine neither spins nor parks: a wait that is not over yields at once.
    this.spin = !this.host.cooperative && cfg.waitMode === 'spin';
    this.pollBudget = this.host.cooperative ? 1 : this.spin ? SPIN_POLLS : PARK_POLLS;
    this.initiator = o.workload === 'multi' || this.id === 0;
    this.userWork = o.workload !== 'idle' && o.workload !== 'idle-loaded';
    this.idleLoaded = o.workload === 'idle-loaded';
    this.crosscall = o.workload === 'crosscall';
    this.irqsOffWorkload = o.workload === 'irqs-off';
    this.nmiWorkload = o.workload === 'nmi';
    this.tracksAccess = this.broadcast;
    this.counters.fill(0);
    this.space = new AddressSpace(o.pages, this.initiatorCount(), o.sharedPages);
    this.zapStart = this.space.zapStartOf(this.id);
    this.zapTable = this.space.tableOfInitiator(this.id);
    this.zapGen = new Int32Array(o.pages);
    this.oldSlot = new Int32Array(o.pages);
    this.snapshots = new Int32Array(o.pages * FRAME_POOL).fill(-1);
    this.snapshotGen = new Int32Array(o.pages * FRAME_POOL);
    this.ipiMask = new Int32Array(this.n);
    this.callTargets = new Int32Array(this.n);
    this.rng = (Math.imul(o.seed ^ 0x5bd1e995, this.id + 1) ^ (this.id * 0x9e3779b9)) | 1;
    this.nmiRng = mix32(o.seed ^ Math.imul(this.id + 1, 0x2545f491)) | 1;
    this.nmiUserPhase = (this.nmiRng >>> 0) % NMI_USER_PERIOD;
    this.flushesHandled = 0;
    this.accessCount = 0;
    this.seenDoorbell = 0;
    this.flushesRun = 0;
    this.warmupRun = 0;
    this.tinybenchRme = Number.NaN;
    this.irqsEnabled = true;
    this.idlePolls = 0;
    this.deferredPending = false;
    this.deferredRecord = false;
    this.deferredExposed = false;
    this.recording = false;
    this.order = o.trace ? [] : null;
    this.fault = o.fault && o.fault.cpu === this.id ? o.fault : null;
    this.csdsSeen = 0;
    this.hung = false;
    this.waitDeadline = 0;
    this.wait.runnable(W_START);
    this.oracle.setupCase(this.space);
    this.remoteHandlerCycles = 0;
    this.callCycles = 0;
    this.remoteHandlers = 0;
    this.tlb.clock = 0;
    const placement = placementOf(cfg.profile, this.n);
    const distances = distancesFrom(placement, this.id, new Uint8Array(this.n));
    this.model = new FlushCostModel({
      profile: cfg.profile,
      cpus: this.n,
      self: this.id,
      initiator: this.initiator,
      distances,
      clusters: placement.cluster,
      traits,
      pages: o.pages,
      seed: o.seed,
      crosscall: this.crosscall,
      irqsOff: this.irqsOffWorkload,
      idleTargets: this.idleLoaded,
      refillEntries: Math.min(this.layout.tlbSets * this.layout.tlbWays, o.sharedPages),
    });
  }

  /** A barrier around the case, bounded; the last CPU to arrive wakes the others. */
  protected *barrier(idx: number, what: string): Waits {
    const i32 = this.i32;
    // Arrive; the last to arrive wakes those parked below on the same word.
    if (Atomics.add(i32, idx, 1) + 1 >= this.n) {
      Atomics.notify(i32, idx);
      return;
    }
    const deadline = performance.now() + this.cfg.barrierTimeoutMs;
    for (;;) {
      const arrived = Atomics.load(i32, idx);
      if (arrived >= this.n) return;
      this.checkAbort();
      if (performance.now() > deadline) {
        throw cpuStuck(
          `CPU ${this.id} waited ${this.cfg.barrierTimeoutMs} ms at the ${what} barrier: only ${arrived} of ${this.n} CPUs arrived`,
          this.id,
        );
      }
      // Pairs with the last arriver's notify (threads); looked at after every step (cooperative).
      this.wait.untilAtLeast(W_BARRIER, idx, this.n);
      this.wait.sleep(idx, arrived, PARK_SLICE_MS, false);
      yield;
    }
  }

  /** csds this CPU handled so far in the case (a schedule's steps tell what each step did). */
  get csdsHandled(): number {
    return this.counters[C_CSDS_HANDLED];
  }

  /** Accesses the oracle checked on this CPU so far in the case. */
  get accessesChecked(): number {
    return this.oracle.checkedAccesses;
  }
}

/**
 * One simulated CPU: the code that runs inside a worker thread. It owns its TLB, its
 * cpu_tlbstate line and its call_single_queue, runs user accesses between which it takes
 * interrupts (its doorbell), and — on initiators — runs the workload's zap → flush → refault loop
 * under one of the five protocols.
 *
 * Vocabulary (as in arch/x86/mm/tlb.c):
 *   mm tlb_gen     kMmTlbGen: bumped once per flush request, after the PTE change
 *   new_tlb_gen    the value of that bump, carried in the flush info
 *   local tlb_gen  kCpuLocalTlbGen: the mm generation this CPU's TLB is current with
 * A CPU does a partial flush only when it is exactly one generation behind and that generation
 * is the latest; otherwise it flushes everything and catches up to the mm's tlb_gen.
 *
 * Nothing on the flush path allocates or posts a message: targets, samples and scratch live in
 * typed arrays set up once per case.
 */
import { Bench } from 'tinybench';
import { AddressSpace } from './address-space.js';
import { CROSSCALL_READS, FlushCostModel, mix32, type TraceEvent } from './cost-model.js';
import { ringAdvance, ringPeek, ringPush } from './csd-ring.js';
import { cpuStuck, runAborted } from './errors.js';
import {
  CSD_CALL_AFTER,
  CSD_CALL_BEFORE,
  CSD_FLAG_LOCK,
  CSD_FLAG_RECORD,
  CSD_FLUSH,
  CSD_KINDS,
  CSD_TYPE_SYNC,
  computeLayout,
  csdIndex,
  FLUSH_FULL,
  FLUSH_NONE,
  FLUSH_PARTIAL,
  FRAME_POOL,
  FRAME_WORDS,
  FUNC_FLUSH_TLB_INLINE,
  FUNC_FLUSH_TLB_REF,
  FUNC_READ_USER,
  infoLine,
  irqBlock,
  kAbort,
  kCpuAccessSeq,
  kCpuDoorbell,
  kCpuIrqsEnabled,
  kCpuIsLazy,
  kCpuLoadedMm,
  kCpuLocalTlbGen,
  kCpuParked,
  kCpuWakeSeq,
  kCsdFlags,
  kCsdFlushKind,
  kCsdFunc,
  kCsdInfoEnd,
  kCsdInfoFreedTables,
  kCsdInfoMm,
  kCsdInfoNewTlbGen,
  kCsdInfoStart,
  kCsdSrc,
  kDoneCount,
  kFrameData,
  kFrameLastGen,
  kFrameLastWriter,
  kFrameWrites,
  kInfoEnd,
  kInfoFreedTables,
  kInfoInitiator,
  kInfoMm,
  kInfoNewTlbGen,
  kInfoStart,
  kInitiatorsDone,
  kMmTlbGen,
  kOrderSeq,
  kReadyCount,
  kStop,
  type Layout,
  type LayoutParams,
  LINE,
  LOADED_MM_SWITCHING,
  MM_ID,
  PTE_GEN_SHIFT,
  PTE_PRESENT,
  PTE_SLOT_MASK,
  PTE_SLOT_SHIFT,
  privateLine,
  pscBase,
  TLB_FLUSH_ALL,
  tlbBase,
  tlbstateLine,
} from './layout.js';
import {
  C_BROADCAST_INVALIDATIONS,
  C_CATCH_UP_FLUSHES,
  C_CROSSCALLS,
  C_CSDS_HANDLED,
  C_DEFERRED_FLUSHES,
  C_FULL_FLUSHES,
  C_INVLPGS,
  C_IPIS_NOT_NEEDED,
  C_IPIS_SENT,
  C_LAZY_SKIPPED,
  C_MODELED_LINE_TRANSFERS,
  C_NMI_UACCESS_REFUSED,
  C_NMIS,
  C_PAGE_FAULTS,
  C_PAGE_WALKS,
  C_PARTIAL_FLUSHES,
  C_PSC_HITS,
  C_SPECULATIVE_WALKS,
  C_TLB_HITS,
  C_TLB_MISSES,
  C_TLBSYNC_WAITS,
  type CaseConfig,
  COUNTER_NAMES,
  type CpuResult,
  type OrderEvent,
} from './messages.js';
import type { FaultOptions, ResolvedCaseOptions } from './options.js';
import { Oracle } from './oracle.js';
import { distance } from './profile.js';
import { PROTOCOL_TRAITS } from './protocols.js';
import { PagingStructureCache } from './psc.js';
import { Tlb } from './tlb.js';
import { flushKindFor, rangeEnd } from './tlb-gen.js';

export interface CpuInit {
  sab: SharedArrayBuffer;
  layout: LayoutParams;
  cpu: number;
}

/** Spin mode: polls between looks at the clock and the abort flag (≈ tens of µs). */
const SPIN_POLLS = 4096;
/** Park mode: polls before parking; a wake costs ≈ 25 µs here, so a short spin pays first. */
const PARK_POLLS = 256;
/** Longest single Atomics.wait: deadlines and the abort flag are looked at this often. */
const PARK_SLICE_MS = 5;
/** A user CPU in park mode sleeps this long between bursts when no IPI comes. */
const USER_IDLE_SLICE_MS = 1;
/** tinybench's own warm-up, after ours has had V8 optimize the flush path. */
const TINYBENCH_WARMUP_ITERATIONS = 16;
const TINYBENCH_WARMUP_MS = 10;
/** Flushes every warm-up makes, however short its time budget. */
const MIN_WARMUP_FLUSHES = 8;
/** A walk that keeps racing PTE changes gives up (as a fault) after this many tries. */
const WALK_RETRIES = 64;

/**
 * Workload nmi: NMIs on the targets at seeded points. One in NMI_USER_PERIOD user accesses
 * (at a seeded phase) is interrupted by an NMI; inside a flush handler, right after the
 * acknowledgement — where an async flush is still deferred — the first flush handled takes one,
 * then a seeded half of them. The handler reads NMI_READS words of user memory, as perf's user
 * stack sampling does (copy_from_user_nmi), when nmi_uaccess_okay() allows it.
 */
const NMI_USER_PERIOD = 64;
const NMI_READS = 2;

/**
 * Idle CPUs (workloads idle, idle-loaded) walk speculatively through their paging-structure
 * cache once every this many looks at the doorbell (spin) or on every wake-up (park), as a CPU
 * in lazy TLB mode still holding the mm's page tables may.
 */
const IDLE_SPECULATION_POLLS = 1024;

/** irqs-off workload: of every IRQS_OFF_EVERY user accesses, the first IRQS_OFF_FOR run with
 * interrupts disabled (the doorbell is not looked at). */
const IRQS_OFF_EVERY = 64;
const IRQS_OFF_FOR = 8;

/** Where an access was made, for violation reports. */
const WHERE_USER = 0;
const WHERE_CROSSCALL = 1;
const WHERE_REFAULT = 2;
const WHERE_END = 3;
const WHERE_NMI = 4;
const WHERE_NAMES = [
  'user access',
  'cross-call reading user memory',
  'refault on the initiator',
  'user access after the run (lazy CPUs back on the mm)',
  'NMI handler reading user memory',
];

/** One step of Marsaglia's xorshift32 (a non-zero state stays non-zero). */
function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  return x ^ (x << 5);
}

export class Cpu {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly id: number;
  readonly n: number;
  /** cpu_tlbstate_shared (read by initiators), the owner's private line, the interrupt block. */
  private readonly shared: number;
  private readonly priv: number;
  private readonly irq: number;
  readonly tlb: Tlb;
  /** Every CPU's TLB and paging-structure cache, for broadcast invalidation. */
  readonly tlbs: Tlb[];
  private readonly pscs: PagingStructureCache[];
  private readonly psc: PagingStructureCache;
  private readonly oracle: Oracle;
  private readonly doorbellIdx: number;
  private readonly wakeSeqIdx: number;
  private readonly parkedIdx: number;
  private readonly accessSeqIdx: number;
  private readonly ringCap: number;
  private readonly pt: number;
  private readonly pmds: number;
  private readonly fgen: number;
  private readonly frames: number;
  /** WHERE_NAMES with this CPU's number, and where its speculative walks happen, made once. */
  private readonly whereNames: readonly string[];
  private readonly handlerSpeculation: string;
  private readonly idleSpeculation: string;

  // ── per case ──
  private opts!: ResolvedCaseOptions;
  private cfg!: CaseConfig;
  private space!: AddressSpace;
  // The protocol's traits, as they apply to this case (see protocols.ts).
  private broadcast = false;
  /** The flush info stays on the sender's stack; csds point at it. */
  private byRef = true;
  private localFlushFirst = true;
  /** The target flushes before it acknowledges (a SYNC csd). */
  private flushBeforeAck = true;
  /** Lazy CPUs are in the flush mask (page tables were freed and the protocol honours it). */
  private flushLazy = false;
  /** User accesses an async target runs after its acknowledgement, before its flush. */
  private userAccessesBeforeFlush = 0;
  private nmiChecksUaccess = true;
  private spin = true;
  private pollBudget = SPIN_POLLS;
  private initiator = false;
  private userWork = false;
  private idleLoaded = false;
  private crosscall = false;
  private irqsOffWorkload = false;
  private nmiWorkload = false;
  private tracksAccess = false;
  private model!: FlushCostModel;
  private counters = new Float64Array(COUNTER_NAMES.length);

  private zapStart = 0;
  private zapTable = 0;
  private zapGen = new Int32Array(0);
  private oldSlot = new Int32Array(0);
  private snapshots = new Int32Array(0);
  private snapshotGen = new Int32Array(0);
  private ipiMask = new Int32Array(0);
  private callTargets = new Int32Array(0);

  /** The doorbell value the last handleIpi drained up to. */
  private seenDoorbell = 0;
  private rng = 1;
  /** Seeded draws for the NMI points (kept apart from the user accesses' stream). */
  private nmiRng = 1;
  private nmiUserPhase = 0;
  private flushesHandled = 0;
  /** The initiator's modeled clock, cycles since its first measured flush. */
  private modeledClock = 0;
  /** Handed from beforeFlush to flushOnce to afterFlush. */
  private newTlbGen = 0;
  private localKind = FLUSH_NONE;
  /** tinybench's relative margin of error of the mean, % (NaN in fixed-count mode). */
  private tinybenchRme = Number.NaN;
  /** Flushes this initiator ran, warm-up and traced one included (counters cover them all). */
  private flushesRun = 0;
  private warmupRun = 0;
  private accessCount = 0;
  private irqsEnabled = true;
  private idlePolls = 0;
  private sink = 0;

  /** A flush acknowledged but not yet done here (async protocols, between ack and flush). */
  private deferredPending = false;
  private deferredStart = 0;
  private deferredEnd = 0;
  private deferredGen = 0;
  private deferredSrc = 0;
  private deferredViaIpi = false;
  private deferredCountdown = 0;
  private deferredRecord = false;
  /** The deferred flush has been exposed to user code once (counted once per deferral). */
  private deferredExposed = false;
  /** True during the traced flush on its initiator; csds flagged RECORD on targets. */
  private recording = false;
  private order: OrderEvent[] | null = null;

  private fault: FaultOptions | null = null;
  private csdsSeen = 0;

  private remoteHandlerCycles = 0;
  private remoteHandlers = 0;

  constructor(init: CpuInit) {
    this.i32 = new Int32Array(init.sab);
    this.layout = computeLayout(init.layout);
    this.id = init.cpu;
    this.n = this.layout.cpus;
    this.shared = tlbstateLine(this.layout, this.id);
    this.priv = privateLine(this.layout, this.id);
    this.irq = irqBlock(this.layout, this.id);
    this.doorbellIdx = this.irq + kCpuDoorbell;
    this.wakeSeqIdx = this.irq + kCpuWakeSeq;
    this.parkedIdx = this.irq + kCpuParked;
    this.accessSeqIdx = this.priv + kCpuAccessSeq;
    this.ringCap = this.layout.ringCapacity;
    this.pt = this.layout.pageTable;
    this.pmds = this.layout.pmds;
    this.fgen = this.layout.flushedGen;
    this.frames = this.layout.frames;
    this.tlbs = [];
    this.pscs = [];
    const tables = AddressSpace.maxTables(this.n);
    for (let c = 0; c < this.n; c++) {
      this.tlbs.push(
        new Tlb(this.i32, tlbBase(this.layout, c), this.layout.tlbSets, this.layout.tlbWays),
      );
      this.pscs.push(new PagingStructureCache(this.i32, pscBase(this.layout, c), tables));
    }
    this.tlb = this.tlbs[this.id];
    this.psc = this.pscs[this.id];
    this.oracle = new Oracle(this.i32, this.layout, this.id, this.tlb);
    this.whereNames = WHERE_NAMES.map((w) => `${w} on CPU ${this.id}`);
    this.handlerSpeculation = `a speculative walk on CPU ${this.id} in its flush handler, after the acknowledgement`;
    this.idleSpeculation = `a speculative walk on idle CPU ${this.id}`;
  }

  /** Runs one case to the end and returns this CPU's results. Throws on a failure. */
  runCase(cfg: CaseConfig): CpuResult {
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
    this.barrier(kReadyCount, 'start');

    let samplesNs: Float64Array | null = null;
    let modeled: Float64Array | null = null;
    let iterations: Float64Array | null = null;
    let trace: TraceEvent[] | null = null;
    if (this.initiator) {
      samplesNs = new Float64Array(this.opts.flushes);
      modeled = new Float64Array(this.opts.flushes);
      iterations = new Float64Array(this.opts.flushes);
      trace = this.opts.trace && this.id === 0 ? [] : null;
      samplesNs = this.runInitiator(samplesNs, modeled, iterations, trace);
      // The last initiator to finish stops everyone.
      if (Atomics.add(i32, kInitiatorsDone, 1) + 1 === this.initiatorCount()) {
        // Pairs with respond()'s load of kStop on every CPU.
        Atomics.store(i32, kStop, 1);
        for (let c = 0; c < this.n; c++) this.wake(c);
      }
    }
    this.respond();

    // The run is over. Lazy CPUs, which kept the mm's page tables loaded all along, return to
    // the mm (catching up through tlb_gen); then every non-initiator touches its working set once
    // more, so a flush that was wrongly skipped or deferred shows up as a stale use.
    if (this.deferredPending) this.runDeferredFlush();
    if (lazy) {
      this.speculativeWalk(`a speculative walk on lazy CPU ${this.id}`);
      this.switchMmIrqsOff();
    }
    if (!this.initiator) this.warmPass(WHERE_END);
    this.barrier(kDoneCount, 'end');
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
      counters: this.counters.slice(),
      remoteHandlerCycles: this.remoteHandlerCycles,
      remoteHandlers: this.remoteHandlers,
      oracle: this.oracle.counts(),
      trace,
      order: this.order,
    };
  }

  /** Records a step of the traced flush in global order (allocates: traced flush only). */
  private note(step: string, peer: number): void {
    // One global order for the traced flush's steps across CPUs.
    const seq = Atomics.add(this.i32, kOrderSeq, 1);
    this.order?.push(peer < 0 ? { seq, cpu: this.id, step } : { seq, cpu: this.id, step, peer });
  }

  private initiatorCount(): number {
    return this.opts.workload === 'multi' ? this.n : 1;
  }

  private setupCase(cfg: CaseConfig): void {
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
    this.spin = cfg.waitMode === 'spin';
    this.pollBudget = this.spin ? SPIN_POLLS : PARK_POLLS;
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
    this.oracle.setupCase(this.space);
    this.remoteHandlerCycles = 0;
    this.remoteHandlers = 0;
    this.tlb.clock = 0;
    const distances = new Uint8Array(this.n);
    for (let c = 0; c < this.n; c++) distances[c] = distance(cfg.profile.topology, this.id, c);
    this.model = new FlushCostModel({
      profile: cfg.profile,
      cpus: this.n,
      self: this.id,
      distances,
      traits,
      pages: o.pages,
      seed: o.seed,
      crosscall: this.crosscall,
      irqsOff: this.irqsOffWorkload,
      idleTargets: this.idleLoaded,
    });
  }

  // ── the initiator: madvise(DONTNEED) → flush → touch again ──────────────────────────────────

  private runInitiator(
    samplesNs: Float64Array,
    modeled: Float64Array,
    iterations: Float64Array,
    trace: TraceEvent[] | null,
  ): Float64Array {
    const o = this.opts;
    // Warm-up until V8 has optimized the flush path (a few thousand flushes here) or the time
    // budget is spent, whichever comes first: parked CPUs make each flush slow at high counts.
    const warmEnd = performance.now() + o.warmupMs;
    let k = 0;
    for (; k < o.warmupFlushes && (k < MIN_WARMUP_FLUSHES || performance.now() < warmEnd); k++) {
      this.iteration(null, null, null, -1, null);
    }
    this.warmupRun = k;
    // A traced flush comes after the warm-up and stays out of the samples: recording allocates.
    if (trace !== null) this.iteration(null, null, null, -1, trace);
    // Modeled time starts at the first measured flush, so the model sees the same environment
    // (interrupt-disabled windows) however long the warm-up ran.
    this.modeledClock = 0;
    if (o.timeMs > 0) return this.measureWithTinybench(modeled, iterations);
    for (let j = 0; j < o.flushes; j++) this.iteration(samplesNs, modeled, iterations, j, null);
    return samplesNs;
  }

  /**
   * tinybench times the flush call alone, here in the initiating CPU's worker: the zap runs in
   * beforeEach, the writeback, refault and model in afterEach. It runs at least `flushes`
   * iterations and at least `timeMs` of flush time; the modeled cycles of the first `flushes`
   * measured flushes are kept, so they stay the same however many the time budget adds.
   */
  private measureWithTinybench(modeled: Float64Array, iterations: Float64Array): Float64Array {
    const o = this.opts;
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
    bench.add('flush', () => this.flushOnce(), {
      beforeAll: (mode) => {
        warming = mode === 'warmup';
      },
      beforeEach: () => this.beforeFlush(),
      afterEach: () => {
        const j = !warming && measured < o.flushes ? measured++ : -1;
        this.afterFlush(j >= 0 ? modeled : null, j >= 0 ? iterations : null, j, null);
        this.flushesRun++;
      },
    });
    const [task] = bench.runSync();
    const result = task.result;
    if (result.state !== 'completed') {
      throw result.state === 'errored'
        ? result.error
        : new Error(`tinybench ended in state ${result.state}`);
    }
    this.tinybenchRme = result.latency.rme;
    return Float64Array.from(result.latency.samples ?? [], (ms) => ms * 1e6);
  }

  /** One zap → flush → refault, measured into slot j of the arrays when they are given. */
  private iteration(
    samplesNs: Float64Array | null,
    modeled: Float64Array | null,
    iterations: Float64Array | null,
    j: number,
    trace: TraceEvent[] | null,
  ): void {
    this.flushesRun++;
    this.beforeFlush();
    this.recording = trace !== null;
    const t0 = performance.now();
    this.flushOnce();
    const t1 = performance.now();
    if (this.recording) this.note('flush-returned', -1);
    this.recording = false;
    if (samplesNs !== null) samplesNs[j] = (t1 - t0) * 1e6;
    this.afterFlush(modeled, iterations, j, trace);
  }

  /** madvise(DONTNEED)'s zap, and the cross-call queued ahead of the flush (crosscall). */
  private beforeFlush(): void {
    if (this.crosscall) this.sendCalls(CSD_CALL_BEFORE);
    this.zap();
    // inc_mm_tlb_gen(): after the PTE changes, before anyone is asked to flush. Pairs with the
    // targets' load in flushTlbFunc and with switchMmIrqsOff on a CPU leaving lazy mode.
    this.newTlbGen = Atomics.add(this.i32, kMmTlbGen, 1) + 1;
  }

  /** The timed part: flush_tlb_mm_range() of the zapped range. */
  private flushOnce(): void {
    this.localKind = this.flushTlbMmRange(
      this.zapStart,
      this.zapStart + this.opts.pages,
      this.newTlbGen,
    );
  }

  /** Writeback, the cross-call behind the flush, the refault; then the model, untimed. */
  private afterFlush(
    modeled: Float64Array | null,
    iterations: Float64Array | null,
    j: number,
    trace: TraceEvent[] | null,
  ): void {
    const o = this.opts;
    const i32 = this.i32;
    const model = this.model;
    this.retire();
    if (this.crosscall) this.sendCalls(CSD_CALL_AFTER);
    this.refault();
    // What each target's flush did is in its csd (SYNC csds only: an ASYNC one is the
    // sender's again once unlocked).
    const waitForFlush = this.flushBeforeAck;
    if (waitForFlush) {
      for (let i = 0; i < model.nTargets; i++) {
        model.remoteKind[i] = i32[this.csdAt(model.targets[i], CSD_FLUSH) + kCsdFlushKind];
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
      this.counters[C_MODELED_LINE_TRANSFERS] += model.lineTransfers;
    }
    if (this.userWork && o.workload === 'multi') this.userBurst(o.userBurst);
    if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) this.handleIpi();
  }

  /**
   * Clears the PTEs of this initiator's range (not present, generation + 1). With freed tables
   * it also unlinks the range's last-level table — the upper-level entry now links a new table —
   * before the flush, as free_pgtables() does; the old one is freed once the flush returned.
   */
  private zap(): void {
    const i32 = this.i32;
    // Pairs with the walkers' load of the upper-level entry and the oracle's at acknowledgement.
    if (this.opts.freedTables) Atomics.add(i32, this.pmds + this.zapTable, 1);
    for (let i = 0, n = this.opts.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const pte = i32[this.pt + vpn];
      const slot = (pte >> PTE_SLOT_SHIFT) & PTE_SLOT_MASK;
      const gen = (pte >>> PTE_GEN_SHIFT) + 1;
      this.oldSlot[i] = slot;
      this.zapGen[i] = gen;
      // Pairs with the walkers' Atomics.load of the PTE.
      Atomics.store(i32, this.pt + vpn, (gen << PTE_GEN_SHIFT) | (slot << PTE_SLOT_SHIFT));
    }
  }

  /**
   * The flush has returned. Write back the old frames (snapshot their write counts: any later
   * write through the old translation is lost), then tell the oracle that translations older
   * than the zap are dead.
   */
  private retire(): void {
    const i32 = this.i32;
    for (let i = 0, n = this.opts.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const slot = this.oldSlot[i];
      const f = this.frameAt(vpn, slot);
      // Pairs with the writers' Atomics.add: every write made before the flush returned counts.
      this.snapshots[i * FRAME_POOL + slot] = Atomics.load(i32, f + kFrameWrites);
      this.snapshotGen[i * FRAME_POOL + slot] = this.zapGen[i];
      // Publishes "the flush for generation zapGen has returned"; pairs with access()'s load.
      Atomics.store(i32, this.fgen + vpn, this.zapGen[i]);
    }
    if (this.opts.freedTables) {
      // tlb_remove_table()'s free, now that no CPU may cache the old table: every generation
      // below the one linked in is freed and its page reused. Pairs with the oracle's walk().
      const t = this.zapTable;
      Atomics.store(i32, this.layout.tablesFreed + t, Atomics.load(i32, this.pmds + t));
    }
  }

  /** Maps each page to the next frame of its pool and touches it (a write fault). */
  private refault(): void {
    const i32 = this.i32;
    for (let i = 0, n = this.opts.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const slot = (this.oldSlot[i] + 1) & PTE_SLOT_MASK;
      this.checkLostWrites(i, slot);
      const pte = ((this.zapGen[i] + 1) << PTE_GEN_SHIFT) | (slot << PTE_SLOT_SHIFT) | PTE_PRESENT;
      // Pairs with the walkers' Atomics.load of the PTE.
      Atomics.store(i32, this.pt + vpn, pte);
      this.access(vpn, true, WHERE_REFAULT);
    }
  }

  /** A frame about to be reused: any write since its writeback was made through a dead entry. */
  private checkLostWrites(i: number, slot: number): void {
    const k = i * FRAME_POOL + slot;
    const snap = this.snapshots[k];
    if (snap < 0) return;
    this.snapshots[k] = -1;
    const f = this.frameAt(this.zapStart + i, slot);
    // Pairs with access()'s Atomics.add on the frame by any writer.
    const writes = Atomics.load(this.i32, f + kFrameWrites);
    if (writes === snap) return;
    // Pairs with the writer's plain stores, ordered before its Atomics.add we just read.
    const writer = Atomics.load(this.i32, f + kFrameLastWriter) - 1;
    const entryGen = Atomics.load(this.i32, f + kFrameLastGen);
    this.oracle.lostWrite(writes - snap, writer, this.zapStart + i, entryGen, this.snapshotGen[k]);
  }

  private sweepLostWrites(): void {
    for (let i = 0; i < this.opts.pages; i++) {
      for (let slot = 0; slot < FRAME_POOL; slot++) this.checkLostWrites(i, slot);
    }
  }

  /**
   * flush_tlb_mm_range(): flushes [start, end) of the mm on every CPU that may cache it, by the
   * protocol under test. Returns the kind of the local flush. Fills model.targets.
   */
  private flushTlbMmRange(start: number, end: number, newTlbGen: number): number {
    const i32 = this.i32;
    const o = this.opts;
    end = rangeEnd(start, end, o.singlePageFlushCeiling);
    if (end === TLB_FLUSH_ALL) start = 0;
    if (this.recording) this.note('flush-start', -1);
    if (this.broadcast) {
      this.model.nTargets = 0;
      this.broadcastFlush(start, end);
      return FLUSH_NONE;
    }
    const targets = this.model.targets;
    const n = this.collectTargets(targets, this.flushLazy);
    this.model.nTargets = n;
    const byRef = this.byRef;
    if (byRef) {
      // flush_tlb_info lives on the initiator's stack; csds point at it.
      const info = infoLine(this.layout, this.id);
      i32[info + kInfoStart] = start;
      i32[info + kInfoEnd] = end;
      i32[info + kInfoNewTlbGen] = newTlbGen;
      i32[info + kInfoMm] = MM_ID;
      i32[info + kInfoFreedTables] = o.freedTables ? 1 : 0;
      i32[info + kInfoInitiator] = this.id;
    }
    let localKind = FLUSH_NONE;
    if (this.localFlushFirst) {
      localKind = this.flushTlbFunc(start, end, newTlbGen);
      if (this.recording) this.note('local-flush-done', -1);
    }
    let csdFlags = this.flushBeforeAck ? CSD_FLAG_LOCK | CSD_TYPE_SYNC : CSD_FLAG_LOCK;
    if (this.recording) csdFlags |= CSD_FLAG_RECORD;
    this.queueFlushes(targets, n, byRef, csdFlags, start, end, newTlbGen);
    if (!this.localFlushFirst) {
      localKind = this.flushTlbFunc(start, end, newTlbGen);
      if (this.recording) this.note('local-flush-done', -1);
    }
    for (let i = 0; i < n; i++) {
      this.csdLockWait(this.csdAt(targets[i], CSD_FLUSH), targets[i]);
      if (this.recording) this.note('ack-seen', targets[i]);
    }
    return localKind;
  }

  /**
   * The flush mask, as native_flush_tlb_multi() builds it: every other CPU with the mm loaded,
   * except lazy ones (should_flush_tlb), unless page tables were freed.
   */
  private collectTargets(out: Int32Array, includeLazy: boolean): number {
    const i32 = this.i32;
    let n = 0;
    for (let c = 0; c < this.n; c++) {
      if (c === this.id) continue;
      const l = tlbstateLine(this.layout, c);
      // In mm_cpumask: the mm is loaded, or being switched to (LOADED_MM_SWITCHING). Pairs with
      // runCase's store of kCpuLoadedMm on that CPU.
      if (Atomics.load(i32, l + kCpuLoadedMm) === 0) continue;
      // Pairs with switchMmIrqsOff's store: either we see the CPU awake, or it sees our tlb_gen.
      if (!includeLazy && Atomics.load(i32, l + kCpuIsLazy) !== 0) {
        this.counters[C_LAZY_SKIPPED]++;
        continue;
      }
      out[n++] = c;
    }
    return n;
  }

  /** smp_call_function_many_cond(): lock, fill and queue every csd, then raise the IPIs. */
  private queueFlushes(
    targets: Int32Array,
    n: number,
    byRef: boolean,
    flags: number,
    start: number,
    end: number,
    newTlbGen: number,
  ): void {
    const i32 = this.i32;
    let ipis = 0;
    for (let i = 0; i < n; i++) {
      const target = targets[i];
      const csd = this.csdAt(target, CSD_FLUSH);
      this.csdLock(csd, target, flags);
      i32[csd + kCsdSrc] = this.id;
      if (byRef) {
        i32[csd + kCsdFunc] = FUNC_FLUSH_TLB_REF;
      } else {
        // The 2019 RFC: the info travels inside the csd's own cache line.
        i32[csd + kCsdFunc] = FUNC_FLUSH_TLB_INLINE;
        i32[csd + kCsdInfoStart] = start;
        i32[csd + kCsdInfoEnd] = end;
        i32[csd + kCsdInfoNewTlbGen] = newTlbGen;
        i32[csd + kCsdInfoMm] = MM_ID;
        i32[csd + kCsdInfoFreedTables] = this.opts.freedTables ? 1 : 0;
      }
      const number = csdIndex(this.layout, this.id, target, CSD_FLUSH);
      if (this.recording) this.note('csd-queued', target);
      if (ringPush(i32, irqBlock(this.layout, target), this.ringCap, number + 1)) {
        this.ipiMask[ipis++] = target;
      } else {
        this.counters[C_IPIS_NOT_NEEDED]++;
      }
    }
    for (let k = 0; k < ipis; k++) {
      if (this.recording) this.note('ipi-sent', this.ipiMask[k]);
      this.sendIpi(this.ipiMask[k]);
    }
  }

  /** Queues a cross-call that reads user memory on every CPU running the mm (ASYNC csd). */
  private sendCalls(kind: number): void {
    const i32 = this.i32;
    const n = this.collectTargets(this.callTargets, false);
    for (let i = 0; i < n; i++) {
      const target = this.callTargets[i];
      const csd = this.csdAt(target, kind);
      this.csdLock(csd, target, CSD_FLAG_LOCK);
      i32[csd + kCsdFunc] = FUNC_READ_USER;
      i32[csd + kCsdSrc] = this.id;
      const number = csdIndex(this.layout, this.id, target, kind);
      if (ringPush(i32, irqBlock(this.layout, target), this.ringCap, number + 1)) {
        this.sendIpi(target);
      } else {
        this.counters[C_IPIS_NOT_NEEDED]++;
      }
    }
  }

  /**
   * INVLPGB + TLBSYNC: the initiator invalidates the entries in every TLB itself, then waits
   * until no CPU still has an access in flight that may have used one of them.
   */
  private broadcastFlush(start: number, end: number): void {
    const i32 = this.i32;
    const full = end === TLB_FLUSH_ALL;
    const freedTables = this.opts.freedTables;
    for (let c = 0; c < this.n; c++) {
      const tlb = this.tlbs[c];
      if (full) tlb.invalidateRemoteMm(MM_ID);
      else for (let vpn = start; vpn < end; vpn++) tlb.invalidateRemote(MM_ID, vpn);
      // INVLPGB with page-walk-cache invalidation, when tables were freed.
      if (freedTables) this.pscs[c].invalidateRemote();
    }
    this.counters[C_BROADCAST_INVALIDATIONS] += full ? 1 : end - start;
    if (this.recording) this.note('invlpgb-done', -1);
    for (let c = 0; c < this.n; c++) {
      if (c === this.id) continue;
      const idx = privateLine(this.layout, c) + kCpuAccessSeq;
      // Pairs with access()'s two Atomics.add: odd means an access is in flight.
      const seq = Atomics.load(i32, idx);
      if ((seq & 1) === 0) continue;
      this.counters[C_TLBSYNC_WAITS]++;
      let polls = 0;
      let deadline = 0;
      while (Atomics.load(i32, idx) === seq) {
        if (++polls < this.pollBudget) continue;
        polls = 0;
        deadline = this.checkDeadline(deadline, c, `an access in flight during TLBSYNC`);
        if (!this.spin) Atomics.wait(i32, idx, seq, USER_IDLE_SLICE_MS);
      }
    }
    if (this.recording) this.note('tlbsync-done', -1);
  }

  /**
   * flush_tlb_func(): the flush one CPU does for one request, by the tlb_gen rule. Returns what
   * it did.
   */
  private flushTlbFunc(start: number, end: number, newTlbGen: number): number {
    const i32 = this.i32;
    const localIdx = this.priv + kCpuLocalTlbGen;
    const local = i32[localIdx];
    // Our own flag; an Atomics.load because initiators store nothing here but read it.
    if (Atomics.load(i32, this.shared + kCpuIsLazy) !== 0) {
      // A lazy CPU is flushed only when page tables were freed: it leaves the mm (Linux switches
      // it to init_mm), which here means dropping everything and catching up.
      this.tlb.flushAll();
      this.psc.flush();
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
      this.psc.flush();
      this.counters[C_INVLPGS] += end - start;
      this.counters[C_PARTIAL_FLUSHES]++;
      i32[localIdx] = newTlbGen;
    } else if (kind === FLUSH_FULL) {
      this.tlb.flushAll();
      this.psc.flush();
      this.counters[C_FULL_FLUSHES]++;
      i32[localIdx] = mmTlbGen;
    }
    return kind;
  }

  /**
   * switch_mm_irqs_off() back to the mm from lazy mode: catch up if the TLB went stale. Until it
   * has, loaded_mm says LOADED_MM_SWITCHING, so nmi_uaccess_okay() keeps NMIs off user memory.
   */
  private switchMmIrqsOff(): void {
    const i32 = this.i32;
    // Still in the flush mask (collectTargets), but not a state to read user memory in.
    Atomics.store(i32, this.shared + kCpuLoadedMm, LOADED_MM_SWITCHING);
    // Leave lazy mode before reading tlb_gen; pairs with collectTargets' load of kCpuIsLazy.
    Atomics.store(i32, this.shared + kCpuIsLazy, 0);
    const mmTlbGen = Atomics.load(i32, kMmTlbGen);
    if (i32[this.priv + kCpuLocalTlbGen] < mmTlbGen) {
      this.tlb.flushAll();
      this.psc.flush();
      this.counters[C_FULL_FLUSHES]++;
      this.counters[C_CATCH_UP_FLUSHES]++;
      i32[this.priv + kCpuLocalTlbGen] = mmTlbGen;
    }
    // Pairs with collectTargets' load: the switch is done.
    Atomics.store(i32, this.shared + kCpuLoadedMm, MM_ID);
  }

  // ── csds, IPIs and waiting ───────────────────────────────────────────────────────────────

  private csdAt(target: number, kind: number): number {
    return this.layout.csds + csdIndex(this.layout, this.id, target, kind) * LINE;
  }

  /** csd_lock(): wait until the target unlocked our previous use of this csd, then lock it. */
  private csdLock(csd: number, target: number, flags: number): void {
    this.csdLockWait(csd, target);
    // Only the owner sets LOCK and only the target clears it, so a plain store suffices: the
    // ring push's compareExchange that follows publishes it with the rest of the csd.
    this.i32[csd + kCsdFlags] = flags;
  }

  /** csd_lock_wait(): bounded; takes our own IPIs meanwhile (interrupts are on). */
  private csdLockWait(csd: number, target: number): void {
    const i32 = this.i32;
    // Pairs with csdUnlock's Atomics.store on the target.
    if ((Atomics.load(i32, csd + kCsdFlags) & CSD_FLAG_LOCK) === 0) return;
    let polls = 0;
    let deadline = 0;
    for (;;) {
      // Another initiator may be waiting on us (workload multi): take our IPIs.
      if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) this.handleIpi();
      if ((Atomics.load(i32, csd + kCsdFlags) & CSD_FLAG_LOCK) === 0) return;
      if (++polls < this.pollBudget) continue;
      polls = 0;
      deadline = this.checkDeadline(deadline, target, this.describeCsd(csd));
      if (!this.spin) {
        // Read the wake sequence before the last look, so an unlock in between is not missed.
        const seq = Atomics.load(i32, this.wakeSeqIdx);
        if ((Atomics.load(i32, csd + kCsdFlags) & CSD_FLAG_LOCK) === 0) return;
        if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) continue;
        this.park(seq, PARK_SLICE_MS);
      }
    }
  }

  /** csd_unlock(): the acknowledgement. */
  private csdUnlock(csd: number, src: number): void {
    // Store-release of 0; pairs with the sender's csd_lock_wait load.
    Atomics.store(this.i32, csd + kCsdFlags, 0);
    if (!this.spin) this.wake(src);
  }

  private sendIpi(target: number): void {
    this.counters[C_IPIS_SENT]++;
    // The doorbell; pairs with the target's polling load and handleIpi's load of it.
    Atomics.add(this.i32, irqBlock(this.layout, target) + kCpuDoorbell, 1);
    if (!this.spin) this.wake(target);
  }

  /** Gives `cpu` a reason to look again, and wakes it if it is parked. */
  private wake(cpu: number): void {
    const l = irqBlock(this.layout, cpu);
    // Pairs with park(): a parked CPU's Atomics.wait compares against this sequence.
    Atomics.add(this.i32, l + kCpuWakeSeq, 1);
    // Dekker with park()'s store of kCpuParked: either we see it parked, or it sees the new seq.
    if (Atomics.load(this.i32, l + kCpuParked) !== 0) Atomics.notify(this.i32, l + kCpuWakeSeq);
  }

  private park(seq: number, sliceMs: number): void {
    // Announce the park first; pairs with wake()'s load of kCpuParked.
    Atomics.store(this.i32, this.parkedIdx, 1);
    // Returns at once if the sequence moved since `seq` was read; pairs with wake()'s add.
    Atomics.wait(this.i32, this.wakeSeqIdx, seq, sliceMs);
    // Back to polling: wakers may skip the notify again.
    Atomics.store(this.i32, this.parkedIdx, 0);
  }

  /** Throws when the run was aborted or the deadline passed; returns the deadline. */
  private checkDeadline(deadline: number, cpu: number, what: string): number {
    // Pairs with the machine's (or a failing CPU's) store of kAbort.
    if (Atomics.load(this.i32, kAbort) !== 0) throw runAborted(this.id);
    const now = performance.now();
    if (deadline === 0) return now + this.cfg.csdLockTimeoutMs;
    if (now > deadline) {
      throw cpuStuck(
        `CPU ${cpu} is stuck: CPU ${this.id} waited ${this.cfg.csdLockTimeoutMs} ms for ${what}`,
        cpu,
      );
    }
    return deadline;
  }

  private describeCsd(csd: number): string {
    const number = (csd - this.layout.csds) / LINE;
    const kind = number % CSD_KINDS;
    const target = Math.floor(number / CSD_KINDS) % this.n;
    const names = ['flush', 'cross-call (before the flush)', 'cross-call (after the flush)'];
    return `it to unlock csd ${number} (CPU ${this.id} → CPU ${target}, ${names[kind]})`;
  }

  // ── the target side ──────────────────────────────────────────────────────────────────────

  /** The IPI handler: flush_smp_call_function_queue(). */
  private handleIpi(): void {
    const i32 = this.i32;
    // Note the doorbell before draining: a push that finds the queue empty after our last look
    // bumps it again. Pairs with sendIpi's Atomics.add.
    this.seenDoorbell = Atomics.load(i32, this.doorbellIdx);
    let viaIpi = true;
    for (;;) {
      const v = ringPeek(i32, this.irq, this.ringCap);
      if (v === 0) return;
      this.handleCsd(v - 1, viaIpi);
      ringAdvance(i32, this.irq, this.ringCap);
      viaIpi = false;
    }
  }

  private handleCsd(number: number, viaIpi: boolean): void {
    const i32 = this.i32;
    const csd = this.layout.csds + number * LINE;
    // Pairs with the sender's csdLock store (ordered before its ring push).
    const flags = Atomics.load(i32, csd + kCsdFlags);
    const func = i32[csd + kCsdFunc];
    const src = i32[csd + kCsdSrc];
    const rec = (flags & CSD_FLAG_RECORD) !== 0;
    this.counters[C_CSDS_HANDLED]++;
    if (this.fault !== null && ++this.csdsSeen >= this.fault.afterCsds) this.injectFault();
    if (rec) this.note('handler-start', src);
    if (func === FUNC_FLUSH_TLB_REF) {
      // The info is read from the sender's stack while the csd is still locked (SYNC).
      const info = infoLine(this.layout, src);
      const newTlbGen = i32[info + kInfoNewTlbGen];
      const kind = this.flushTlbFunc(i32[info + kInfoStart], i32[info + kInfoEnd], newTlbGen);
      i32[csd + kCsdFlushKind] = kind;
      if (rec) this.note('flush-done', src);
      this.acknowledge(csd, src, newTlbGen, rec);
      this.accountHandler(src, true, kind, viaIpi);
    } else if (func === FUNC_FLUSH_TLB_INLINE) {
      // Copy the info to our stack: once unlocked, the sender may refill the csd.
      const start = i32[csd + kCsdInfoStart];
      const end = i32[csd + kCsdInfoEnd];
      const newTlbGen = i32[csd + kCsdInfoNewTlbGen];
      if (rec) this.note('info-copied', src);
      if ((flags & CSD_TYPE_SYNC) !== 0) {
        // Page tables were freed (condition 1): the sender waits for the flush itself.
        const kind = this.flushTlbFunc(start, end, newTlbGen);
        i32[csd + kCsdFlushKind] = kind;
        if (rec) this.note('flush-done', src);
        this.acknowledge(csd, src, newTlbGen, rec);
        this.accountHandler(src, false, kind, viaIpi);
      } else {
        // The RFC: acknowledge, then flush. From the unlock on, the flush is deferred: the
        // sender may already have returned.
        this.acknowledge(csd, src, newTlbGen, rec);
        this.defer(start, end, newTlbGen, src, viaIpi, rec);
        if (this.userAccessesBeforeFlush === 0) {
          // async-inline: the flush runs before anything else on this CPU — before the next
          // queued csd (a cross-call touching user memory) and before user code. Only an NMI
          // can come in between.
          if (this.nmiWorkload) this.nmiInHandler();
          this.runDeferredFlush();
        } else {
          // async-unsafe: back to user work with the flush pending.
          this.deferredCountdown = this.userAccessesBeforeFlush;
          this.counters[C_DEFERRED_FLUSHES]++;
          if (this.nmiWorkload) this.nmiInHandler();
        }
      }
    } else if (func === FUNC_READ_USER) {
      // An ASYNC cross-call: unlocked first, then run.
      this.csdUnlock(csd, src);
      this.counters[C_CROSSCALLS]++;
      if (this.deferredPending) this.exposeDeferred(WHERE_CROSSCALL);
      for (let k = 0; k < CROSSCALL_READS; k++) {
        const r = this.nextRandom();
        this.access(this.pickVpn(r), false, WHERE_CROSSCALL);
      }
    }
  }

  /**
   * csd_unlock() of a flush csd: the acknowledgement. The oracle learns first what the request
   * killed (the sender is still waiting, so the page table is as the request left it); then,
   * as the handler runs on with the mm's page tables loaded, the CPU may walk speculatively.
   */
  private acknowledge(csd: number, src: number, newTlbGen: number, rec: boolean): void {
    this.oracle.acknowledge(src, newTlbGen, this.opts.freedTables);
    if (rec) this.note('ack', src);
    this.csdUnlock(csd, src);
    this.flushesHandled++;
    this.speculativeWalk(this.handlerSpeculation);
  }

  /**
   * Notes an acknowledged flush as not done yet. A second one while the first is still pending
   * (async-unsafe) merges with it: one full flush up to the newer generation will cover both,
   * as Linux's tlb_gen catch-up would; the merged request's handler work is folded into it.
   */
  private defer(
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

  private runDeferredFlush(): void {
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
  private exposeDeferred(where: number): void {
    if (this.deferredExposed) return;
    this.deferredExposed = true;
    const local = this.i32[this.priv + kCpuLocalTlbGen];
    this.oracle.exposure(this.deferredSrc, this.deferredGen, local, this.whereNames[where]);
    this.speculativeWalk(`a speculative walk as the ${this.whereNames[where]} ran`);
  }

  /**
   * A speculative page walk through every upper-level entry this CPU caches: hardware may make
   * one at any moment while the mm's page tables are loaded. Nothing is filled.
   */
  private speculativeWalk(where: string): void {
    const psc = this.psc;
    this.counters[C_SPECULATIVE_WALKS]++;
    for (let t = 0, n = this.space.tables; t < n; t++) {
      const gen = psc.lookup(t);
      if (gen >= 0) this.oracle.walk(t, gen, where);
    }
  }

  // ── NMIs (workload nmi) ──────────────────────────────────────────────────────────────────

  /** An NMI may land right after the acknowledgement: the first flush handled, then a seeded half. */
  private nmiInHandler(): void {
    if (this.flushesHandled === 1 || (this.nextNmiRandom() & 1) === 0) this.nmi();
  }

  /**
   * nmi_uaccess_okay(): user memory may be read only with the mm really loaded (not mid
   * switch_mm) and — the RFC's addition — no acknowledged flush still deferred on this CPU.
   */
  private nmiUaccessOkay(): boolean {
    // Our own line; initiators only read it.
    const loaded = Atomics.load(this.i32, this.shared + kCpuLoadedMm);
    return loaded === MM_ID && !this.deferredPending;
  }

  /** The NMI handler: reads a little user memory (a user stack sample) if it may. */
  private nmi(): void {
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

  private nextNmiRandom(): number {
    // A stream of its own, so NMIs do not shift the user accesses' draws.
    this.nmiRng = xorshift32(this.nmiRng);
    return this.nmiRng >>> 0;
  }

  private accountHandler(src: number, byRef: boolean, kind: number, viaIpi: boolean): void {
    this.remoteHandlerCycles += this.model.remoteHandler(src, byRef, kind, viaIpi);
    this.remoteHandlers++;
  }

  private injectFault(): void {
    const f = this.fault!;
    this.fault = null;
    if (f.kind === 'throw')
      throw new Error(`injected fault: CPU ${this.id} threw in its IPI handler`);
    if (f.kind === 'exit') process.exit(70);
    // hang: interrupts off, never unlock; only the abort flag (or our own limit) ends it.
    Atomics.store(this.i32, this.priv + kCpuIrqsEnabled, 0);
    const limit = performance.now() + 4 * this.cfg.csdLockTimeoutMs;
    while (Atomics.load(this.i32, kAbort) === 0) {
      if (performance.now() > limit) {
        throw cpuStuck(`CPU ${this.id} hung with interrupts off (injected fault)`, this.id);
      }
      Atomics.wait(
        this.i32,
        this.wakeSeqIdx,
        Atomics.load(this.i32, this.wakeSeqIdx),
        PARK_SLICE_MS,
      );
    }
    throw runAborted(this.id);
  }

  /** Until every initiator is done: user work (if the workload has it), taking IPIs. */
  private respond(): void {
    const i32 = this.i32;
    let polls = 0;
    for (;;) {
      // Pairs with the last initiator's store of kStop.
      if (Atomics.load(i32, kStop) !== 0) return;
      if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) {
        this.handleIpi();
        // Returning from the interrupt to user code, with an acknowledged flush not done.
        if (this.userWork && this.deferredPending) this.exposeDeferred(WHERE_USER);
      }
      if (this.userWork) {
        this.userBurst(this.opts.userBurst);
        if (this.spin) {
          if (++polls >= 64) {
            polls = 0;
            this.checkAbort();
          }
          continue;
        }
      } else if (this.spin) {
        // An idle CPU in spin mode polls its doorbell, and now and then walks speculatively.
        if (++polls >= this.pollBudget) {
          polls = 0;
          this.checkAbort();
        }
        if (++this.idlePolls >= IDLE_SPECULATION_POLLS) {
          this.idlePolls = 0;
          this.speculativeWalk(this.idleSpeculation);
        }
        continue;
      }
      // Park mode: sleep until an IPI, the stop, or (with user work) the next burst is due.
      if (this.deferredPending) this.runDeferredFlush();
      const seq = Atomics.load(i32, this.wakeSeqIdx);
      if (
        Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell ||
        Atomics.load(i32, kStop) !== 0
      )
        continue;
      this.park(seq, this.userWork ? USER_IDLE_SLICE_MS : PARK_SLICE_MS);
      this.checkAbort();
      if (!this.userWork) this.speculativeWalk(this.idleSpeculation);
    }
  }

  private checkAbort(): void {
    if (Atomics.load(this.i32, kAbort) !== 0) throw runAborted(this.id);
  }

  /** A barrier around the case, bounded; the last CPU to arrive wakes the others. */
  private barrier(idx: number, what: string): void {
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
      // Pairs with the last arriver's notify.
      Atomics.wait(i32, idx, arrived, PARK_SLICE_MS);
    }
  }

  // ── user work and the oracle ─────────────────────────────────────────────────────────────

  private userBurst(count: number): void {
    const i32 = this.i32;
    for (let k = 0; k < count; k++) {
      if (this.irqsOffWorkload) {
        const off = this.accessCount % IRQS_OFF_EVERY < IRQS_OFF_FOR;
        if (off === this.irqsEnabled) {
          this.irqsEnabled = !off;
          // local_irq_disable/enable: published for whoever inspects this CPU.
          Atomics.store(i32, this.priv + kCpuIrqsEnabled, off ? 0 : 1);
        }
      }
      // Interrupts are taken between instructions, never inside an access.
      if (this.irqsEnabled && Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell)
        this.handleIpi();
      // In user code with an acknowledged flush not done (async-unsafe).
      if (this.deferredPending) this.exposeDeferred(WHERE_USER);
      // NMIs come whether interrupts are enabled or not.
      if (this.nmiWorkload && this.accessCount % NMI_USER_PERIOD === this.nmiUserPhase) this.nmi();
      const r = this.nextRandom();
      this.access(this.pickVpn(r), (r & 2) !== 0, WHERE_USER);
      this.accessCount++;
      if (this.deferredPending && --this.deferredCountdown <= 0) this.runDeferredFlush();
    }
    if (!this.irqsEnabled) {
      this.irqsEnabled = true;
      Atomics.store(i32, this.priv + kCpuIrqsEnabled, 1);
    }
  }

  /** One read of every page of the working set (bounded by the TLB's size). */
  private warmPass(where: number): void {
    // The zapped ranges, then the shared pages right after them (see address-space.ts).
    const limit = Math.min(this.space.zapTotal + this.space.sharedN, this.tlb.entries);
    for (let vpn = 0; vpn < limit; vpn++) this.access(vpn, false, where);
  }

  private nextRandom(): number {
    // Seeded per CPU.
    this.rng = xorshift32(this.rng);
    return this.rng >>> 0;
  }

  /** Half the accesses go to the zapped range(s), half to the shared pages. */
  private pickVpn(r: number): number {
    const { zapTotal, sharedN } = this.space;
    if ((r & 1) === 0 || sharedN === 0) return (r >>> 2) % zapTotal;
    return zapTotal + ((r >>> 2) % sharedN);
  }

  /**
   * One user access through the TLB, checked by the oracle: it reads the flushed generation of
   * the page *before* it translates, so a flush that had returned before the access began and
   * killed the translation it uses is caught — and never one that returned during it.
   */
  private access(vpn: number, write: boolean, where: number): void {
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

  private frameAt(vpn: number, slot: number): number {
    return this.frames + (vpn * FRAME_POOL + slot) * FRAME_WORDS;
  }
}

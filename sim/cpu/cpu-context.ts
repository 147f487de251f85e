/**
 * What every part of one simulated CPU shares (cpu.ts draws the parts): who the CPU is and where
 * its words lie in the shared buffer, the engine driving it and the point it waits at, its
 * counters and the traced flush's order; and, per case, the options, the protocol's traits and
 * the cost model as plain fields, set once by setupCase. A part copies the per-case fields its
 * hot paths read into fields of its own, in its own setupCase.
 */
import { AddressSpace } from '../shared/address-space.js';
import { cpuStuck, runAborted } from '../shared/errors.js';
import {
  irqBlock,
  kAbort,
  kCpuAccessSeq,
  kCpuDoorbell,
  kCpuWakeSeq,
  kOrderSeq,
  type Layout,
  privateLine,
  tlbstateLine,
} from '../shared/layout.js';
import { type CaseConfig, COUNTER_NAMES, type OrderEvent } from '../shared/messages.js';
import type { ResolvedCaseOptions } from '../shared/options.js';
import { traitsIn } from '../shared/protocols.js';
import { initiatorsOf, WORKLOAD_TRAITS } from '../shared/workloads.js';
import { FlushCostModel } from './cost-model.js';
import { DistancesFrom, placementOf } from './placement.js';
import { type CpuHost, W_START, WaitPoint } from './wait-point.js';
import { whereNamesOf } from './where.js';

/** Longest single Atomics.wait: deadlines and the abort flag are looked at this often. */
export const PARK_SLICE_MS = 5;
/** Spin mode: polls between looks at the clock and the abort flag (≈ tens of µs). */
const SPIN_POLLS = 4096;
/** Park mode: polls before parking; a wake costs ≈ 25 µs here, so a short spin pays first. */
const PARK_POLLS = 256;

export class CpuContext {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly id: number;
  readonly n: number;
  /** cpu_tlbstate_shared (read by initiators), the owner's private line, the interrupt block. */
  readonly shared: number;
  readonly priv: number;
  readonly irq: number;
  readonly doorbellIdx: number;
  readonly wakeSeqIdx: number;
  readonly accessSeqIdx: number;
  readonly ringCap: number;
  readonly pt: number;
  readonly pmds: number;
  readonly fgen: number;
  readonly frames: number;
  /** The WHERE_ names with this CPU's number (see where.ts), made once. */
  readonly whereNames: readonly string[];

  /** What this CPU waits for when its code yields (see wait-point.ts). */
  readonly wait = new WaitPoint();
  /** The engine driving this CPU's generators. */
  readonly host: CpuHost;
  /** Zeroed per case, never replaced: parts keep a reference to it. */
  readonly counters = new Float64Array(COUNTER_NAMES.length);

  // ── per case ──
  opts!: ResolvedCaseOptions;
  cfg!: CaseConfig;
  space!: AddressSpace;
  model!: FlushCostModel;
  // The protocol's traits, as they apply to this case (see protocols.ts).
  broadcast = false;
  /** The flush info stays on the sender's stack; csds point at it. */
  byRef = true;
  localFlushFirst = true;
  /** The target flushes before it acknowledges (a SYNC csd). */
  flushBeforeAck = true;
  /** Lazy CPUs are in the flush mask (page tables were freed and the protocol honours it). */
  flushLazy = false;
  /** User accesses an async target runs after its acknowledgement, before its flush. */
  userAccessesBeforeFlush = 0;
  /** The initiator waits for every acknowledgement before it returns (see protocols.ts). */
  waitsForAcks = true;
  nmiChecksUaccess = true;
  spin = true;
  pollBudget = 0;
  initiator = false;
  userWork = false;
  idleLoaded = false;
  crosscall = false;
  irqsOffWorkload = false;
  nmiWorkload = false;
  tracksAccess = false;

  /** True during the traced flush on its initiator; csds flagged RECORD on targets. */
  recording = false;
  order: OrderEvent[] | null = null;
  /** The modeled cycles of the flush handlers this CPU ran as a target, and how many. */
  remoteHandlerCycles = 0;
  remoteHandlers = 0;

  constructor(i32: Int32Array, layout: Layout, cpu: number, host: CpuHost) {
    this.i32 = i32;
    this.layout = layout;
    this.id = cpu;
    this.host = host;
    this.n = layout.cpus;
    this.shared = tlbstateLine(layout, cpu);
    this.priv = privateLine(layout, cpu);
    this.irq = irqBlock(layout, cpu);
    this.doorbellIdx = this.irq + kCpuDoorbell;
    this.wakeSeqIdx = this.irq + kCpuWakeSeq;
    this.accessSeqIdx = this.priv + kCpuAccessSeq;
    this.ringCap = layout.ringCapacity;
    this.pt = layout.pageTable;
    this.pmds = layout.pmds;
    this.fgen = layout.flushedGen;
    this.frames = layout.frames;
    this.whereNames = whereNamesOf(cpu);
  }

  /** The case's options and traits into fields, the counters zeroed, the cost model made. */
  setupCase(cfg: CaseConfig): void {
    const o = cfg.options;
    // Broadcast below its global-ASID threshold flushes the IPI way (protocols.ts).
    const traits = traitsIn(o.protocol, { workload: o.workload, cpus: this.n });
    this.cfg = cfg;
    this.opts = o;
    this.broadcast = traits.transport === 'broadcast';
    this.byRef = !traits.infoInline;
    this.localFlushFirst = traits.localFlushFirst;
    const freedTablesHonoured = o.freedTables && traits.honoursFreedTables;
    this.flushBeforeAck = traits.flushBeforeAck || freedTablesHonoured;
    this.flushLazy = freedTablesHonoured;
    this.userAccessesBeforeFlush = traits.userAccessesBeforeFlush;
    this.waitsForAcks = traits.waitsForAcks || freedTablesHonoured;
    this.nmiChecksUaccess = traits.nmiChecksUaccess;
    // The cooperative engine neither spins nor parks: a wait that is not over yields at once.
    this.spin = !this.host.cooperative && cfg.waitMode === 'spin';
    this.pollBudget = this.host.cooperative ? 1 : this.spin ? SPIN_POLLS : PARK_POLLS;
    this.initiator = WORKLOAD_TRAITS[o.workload].everyCpuInitiates || this.id === 0;
    this.userWork = WORKLOAD_TRAITS[o.workload].userCode;
    this.idleLoaded = o.workload === 'idle-loaded';
    this.crosscall = o.workload === 'crosscall';
    this.irqsOffWorkload = o.workload === 'irqs-off';
    this.nmiWorkload = o.workload === 'nmi';
    this.tracksAccess = this.broadcast;
    this.counters.fill(0);
    this.space = new AddressSpace(o.pages, this.initiatorCount(), o.sharedPages);
    this.recording = false;
    this.order = o.trace ? [] : null;
    this.wait.runnable(W_START);
    this.remoteHandlerCycles = 0;
    this.remoteHandlers = 0;
    const placement = placementOf(cfg.profile, this.n);
    this.model = new FlushCostModel({
      profile: cfg.profile,
      cpus: this.n,
      self: this.id,
      initiator: this.initiator,
      distances: new DistancesFrom(placement, this.id),
      waitsForAcks: this.waitsForAcks,
      clusters: placement.cluster,
      traits,
      pages: o.pages,
      seed: o.seed,
      crosscall: this.crosscall,
      irqsOff: this.irqsOffWorkload,
      idleTargets: this.idleLoaded,
      faultsPerPage: WORKLOAD_TRAITS[o.workload].faultsPerPage,
      refillEntries: Math.min(this.layout.tlbSets * this.layout.tlbWays, o.sharedPages),
      broadcasters: traits.transport === 'broadcast' ? this.initiatorCount() : 1,
    });
  }

  /** Records a step of the traced flush in global order (allocates: traced flush only). */
  note(step: string, peer: number): void {
    // One global order for the traced flush's steps across CPUs.
    const seq = Atomics.add(this.i32, kOrderSeq, 1);
    this.order?.push(peer < 0 ? { seq, cpu: this.id, step } : { seq, cpu: this.id, step, peer });
  }

  initiatorCount(): number {
    return initiatorsOf(this.opts.workload, this.n);
  }

  checkAbort(): void {
    // Pairs with the machine's (or a failing CPU's) store of kAbort.
    if (Atomics.load(this.i32, kAbort) !== 0) throw runAborted(this.id);
  }

  /** Throws when the run was aborted or the deadline passed; returns the deadline. */
  checkDeadline(deadline: number, cpu: number, what: string | (() => string)): number {
    // Pairs with the machine's (or a failing CPU's) store of kAbort.
    if (Atomics.load(this.i32, kAbort) !== 0) throw runAborted(this.id);
    // The engine's clock: the wall-clock on threads; on the cooperative engine the time no CPU
    // could run, so that a 960-CPU round others are busy with is not a stuck CPU.
    const now = this.host.now();
    if (deadline === 0) return now + this.cfg.csdLockTimeoutMs;
    if (now > deadline) {
      const waitedFor = typeof what === 'string' ? what : what();
      throw cpuStuck(
        `CPU ${cpu} is stuck: CPU ${this.id} waited ${this.cfg.csdLockTimeoutMs} ms for ${waitedFor}`,
        cpu,
      );
    }
    return deadline;
  }

  /**
   * Gives `cpu` a reason to look again, after the store it waits for: the engine wakes it if it
   * is parked (threads: its wake sequence) or switched out (cooperative: its scheduler).
   */
  wake(cpu: number): void {
    this.host.woken(cpu);
  }

  /** Charges one flush handler this CPU ran as a target, by the cost model. */
  accountHandler(src: number, byRef: boolean, kind: number, viaIpi: boolean): void {
    this.remoteHandlerCycles += this.model.remoteHandler(src, byRef, kind, viaIpi);
    this.remoteHandlers++;
  }
}

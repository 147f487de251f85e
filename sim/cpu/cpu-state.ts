import { AddressSpace } from '../shared/address-space.js';
import { cpuStuck, runAborted } from '../shared/errors.js';
import {
  computeLayout,
  FLUSH_NONE,
  FRAME_POOL,
  FRAME_WORDS,
  irqBlock,
  kAbort,
  kCpuAccessSeq,
  kCpuDoorbell,
  kCpuParked,
  kCpuWakeSeq,
  kOrderSeq,
  type Layout,
  type LayoutParams,
  privateLine,
  pscBase,
  tlbBase,
  tlbstateLine,
} from '../shared/layout.js';
import { type CaseConfig, COUNTER_NAMES, type OrderEvent } from '../shared/messages.js';
import type { FaultOptions, ResolvedCaseOptions } from '../shared/options.js';
import type { FlushCostModel } from './cost-model.js';
import { Oracle } from './oracle.js';
import { PagingStructureCache } from './psc.js';
import { Tlb } from './tlb.js';
import { type CpuHost, WaitPoint } from './wait-point.js';

/** Where an access was made, for violation reports. */
export const WHERE_USER = 0;
export const WHERE_CROSSCALL = 1;
export const WHERE_REFAULT = 2;
export const WHERE_END = 3;
export const WHERE_NMI = 4;
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

export interface CpuInit {
  sab: SharedArrayBuffer;
  layout: LayoutParams;
  cpu: number;
}

/**
 * What every CPU on one worker thread shares: the view of the buffer and every CPU's TLB and
 * paging-structure cache (broadcast invalidation reaches them all). Made once per worker, so a
 * worker hosting 768 CPUs holds 768 of each, not 768².
 */
export interface MachineParts {
  i32: Int32Array;
  layout: Layout;
  tlbs: Tlb[];
  pscs: PagingStructureCache[];
}

export function machineParts(sab: SharedArrayBuffer, params: LayoutParams): MachineParts {
  const i32 = new Int32Array(sab);
  const layout = computeLayout(params);
  const tables = AddressSpace.maxTables(layout.cpus);
  const tlbs: Tlb[] = [];
  const pscs: PagingStructureCache[] = [];
  for (let c = 0; c < layout.cpus; c++) {
    tlbs.push(new Tlb(i32, tlbBase(layout, c), layout.tlbSets, layout.tlbWays));
    pscs.push(new PagingStructureCache(i32, pscBase(layout, c), tables));
  }
  return { i32, layout, tlbs, pscs };
}

export abstract class CpuState {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly id: number;
  readonly n: number;
  /** cpu_tlbstate_shared (read by initiators), the owner's private line, the interrupt block. */
  protected readonly shared: number;
  protected readonly priv: number;
  protected readonly irq: number;
  readonly tlb: Tlb;
  /** Every CPU's TLB and paging-structure cache, for broadcast invalidation. */
  readonly tlbs: readonly Tlb[];
  protected readonly pscs: readonly PagingStructureCache[];
  protected readonly psc: PagingStructureCache;
  protected readonly oracle: Oracle;
  protected readonly doorbellIdx: number;
  protected readonly wakeSeqIdx: number;
  protected readonly parkedIdx: number;
  protected readonly accessSeqIdx: number;
  protected readonly ringCap: number;
  protected readonly pt: number;
  protected readonly pmds: number;
  protected readonly fgen: number;
  protected readonly frames: number;
  /** WHERE_NAMES with this CPU's number, and where its speculative walks happen, made once. */
  protected readonly whereNames: readonly string[];
  protected readonly handlerSpeculation: string;
  protected readonly idleSpeculation: string;

  /** What this CPU waits for when its code yields (see wait-point.ts). */
  readonly wait = new WaitPoint();
  /** The engine driving this CPU's generators. */
  protected readonly host: CpuHost;

  // ── per case ──
  protected opts!: ResolvedCaseOptions;
  protected cfg!: CaseConfig;
  protected space!: AddressSpace;
  // The protocol's traits, as they apply to this case (see protocols.ts).
  protected broadcast = false;
  /** The flush info stays on the sender's stack; csds point at it. */
  protected byRef = true;
  protected localFlushFirst = true;
  /** The target flushes before it acknowledges (a SYNC csd). */
  protected flushBeforeAck = true;
  /** Lazy CPUs are in the flush mask (page tables were freed and the protocol honours it). */
  protected flushLazy = false;
  /** User accesses an async target runs after its acknowledgement, before its flush. */
  protected userAccessesBeforeFlush = 0;
  protected nmiChecksUaccess = true;
  protected spin = true;
  protected pollBudget = 0;
  protected initiator = false;
  protected userWork = false;
  protected idleLoaded = false;
  protected crosscall = false;
  protected irqsOffWorkload = false;
  protected nmiWorkload = false;
  protected tracksAccess = false;
  protected model!: FlushCostModel;
  protected counters = new Float64Array(COUNTER_NAMES.length);

  protected zapStart = 0;
  protected zapTable = 0;
  protected zapGen = new Int32Array(0);
  protected oldSlot = new Int32Array(0);
  protected snapshots = new Int32Array(0);
  protected snapshotGen = new Int32Array(0);
  protected ipiMask = new Int32Array(0);
  protected callTargets = new Int32Array(0);

  /** The doorbell value the last handleIpi drained up to. */
  protected seenDoorbell = 0;
  protected rng = 1;
  /** Seeded draws for the NMI points (kept apart from the user accesses' stream). */
  protected nmiRng = 1;
  protected nmiUserPhase = 0;
  protected flushesHandled = 0;
  /** The initiator's modeled clock, cycles since its first measured flush. */
  protected modeledClock = 0;
  /** Handed from beforeFlush to flushOnce to afterFlush. */
  protected newTlbGen = 0;
  protected localKind = FLUSH_NONE;
  /** tinybench's relative margin of error of the mean, % (NaN in fixed-count mode). */
  protected tinybenchRme = Number.NaN;
  /** Flushes this initiator ran, warm-up and traced one included (counters cover them all). */
  protected flushesRun = 0;
  protected warmupRun = 0;
  protected accessCount = 0;
  protected irqsEnabled = true;
  protected idlePolls = 0;
  protected sink = 0;

  /** A flush acknowledged but not yet done here (async protocols, between ack and flush). */
  protected deferredPending = false;
  protected deferredStart = 0;
  protected deferredEnd = 0;
  protected deferredGen = 0;
  protected deferredSrc = 0;
  protected deferredViaIpi = false;
  protected deferredCountdown = 0;
  protected deferredRecord = false;
  /** The deferred flush has been exposed to user code once (counted once per deferral). */
  protected deferredExposed = false;
  /** True during the traced flush on its initiator; csds flagged RECORD on targets. */
  protected recording = false;
  protected order: OrderEvent[] | null = null;

  protected fault: FaultOptions | null = null;
  protected csdsSeen = 0;
  /** Hung by an injected fault: every wait is hangWait() until the run is aborted. */
  protected hung = false;
  protected hangLimit = 0;
  /** The deadline of the csd wait under way (0: none yet). */
  protected waitDeadline = 0;

  protected remoteHandlerCycles = 0;
  /** Modeled cycles of the measured system calls (before the flush + the flush), summed. */
  protected callCycles = 0;
  protected remoteHandlers = 0;

  constructor(parts: MachineParts, cpu: number, host: CpuHost) {
    this.i32 = parts.i32;
    this.layout = parts.layout;
    this.id = cpu;
    this.host = host;
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
    this.tlbs = parts.tlbs;
    this.pscs = parts.pscs;
    this.tlb = this.tlbs[this.id];
    this.psc = this.pscs[this.id];
    this.oracle = new Oracle(this.i32, this.layout, this.id, this.tlb);
    this.whereNames = WHERE_NAMES.map((w) => `${w} on CPU ${this.id}`);
    this.handlerSpeculation = `a speculative walk on CPU ${this.id} in its flush handler, after the acknowledgement`;
    this.idleSpeculation = `a speculative walk on idle CPU ${this.id}`;
  }

  /** Records a step of the traced flush in global order (allocates: traced flush only). */
  protected note(step: string, peer: number): void {
    // One global order for the traced flush's steps across CPUs.
    const seq = Atomics.add(this.i32, kOrderSeq, 1);
    this.order?.push(peer < 0 ? { seq, cpu: this.id, step } : { seq, cpu: this.id, step, peer });
  }

  protected initiatorCount(): number {
    return this.opts.workload === 'multi' ? this.n : 1;
  }

  protected checkAbort(): void {
    if (Atomics.load(this.i32, kAbort) !== 0) throw runAborted(this.id);
  }

  /** Throws when the run was aborted or the deadline passed; returns the deadline. */
  protected checkDeadline(deadline: number, cpu: number, what: string): number {
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

  protected nextRandom(): number {
    // Seeded per CPU.
    this.rng = xorshift32(this.rng);
    return this.rng >>> 0;
  }

  protected nextNmiRandom(): number {
    // A stream of its own, so NMIs do not shift the user accesses' draws.
    this.nmiRng = xorshift32(this.nmiRng);
    return this.nmiRng >>> 0;
  }

  /** Half the accesses go to the zapped range(s), half to the shared pages. */
  protected pickVpn(r: number): number {
    const { zapTotal, sharedN } = this.space;
    if ((r & 1) === 0 || sharedN === 0) return (r >>> 2) % zapTotal;
    return zapTotal + ((r >>> 2) % sharedN);
  }

  protected frameAt(vpn: number, slot: number): number {
    return this.frames + (vpn * FRAME_POOL + slot) * FRAME_WORDS;
  }
}

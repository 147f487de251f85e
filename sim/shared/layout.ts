/**
 * The one map of the SharedArrayBuffer that every CPU of the simulated machine shares. Every slot
 * is an Int32 (Atomics.wait needs Int32Array) addressed by a named offset; every region starts on
 * a 64-byte line, and each CPU's hot words have lines of their own.
 *
 *   region          size (Int32)                 written by                 read by
 *   header          9 + 64 lines                 main, initiators, workers  everyone
 *   wake bits       cpus / 32                    cooperative wakers         the CPU's worker
 *   tlbstate        cpus × 16                    owner (rarely)             initiators (flush mask)
 *   private         cpus × 16                    owner                      owner; TLBSYNC
 *   flush info      cpus × 16                    owner (initiator)          targets (sync/concurrent)
 *   irq blocks      cpus × (slots + 2 lines)     doorbell, slots, tail: senders; head: owner
 *   csds            cpus × cpus × 3 × 16         sender; flags: sender+target   target
 *   tlbs            cpus × (3 × sets × ways)     owner; tags also broadcast     owner, broadcast
 *   pscs            cpus × tables                owner; broadcast clears    owner
 *   pmds            tables                       owning initiator           everyone (walks)
 *   tables freed    tables                       owning initiator           everyone (oracle)
 *   page table      vaPages                      owning initiator           everyone (walks)
 *   flushed gen     vaPages                      owning initiator           everyone (oracle)
 *   frames          vaPages × 4 × 4              writers of the page        owning initiator
 */

import { AddressSpace } from './address-space.js';

/** Int32 slots per 64-byte cache line. */
export const LINE = 16;

// ── header: one line per contended word ──────────────────────────────────────────────────────
/** Set to 1 when the run must stop because a CPU failed; every wait checks it. */
export const kAbort = 0;
/** Set to 1 when every initiator is done: the other CPUs leave their loops. */
export const kStop = 1;
/** Barrier before the case starts: each CPU adds 1. */
export const kReadyCount = 2 * LINE;
/** Barrier after the case: each CPU adds 1 once it stopped touching memory. */
export const kDoneCount = 3 * LINE;
/** Initiators that finished their flushes; the last one sets kStop. */
export const kInitiatorsDone = 4 * LINE;
/** Orders oracle violations across CPUs, so the first one can be told. */
export const kViolationSeq = 5 * LINE;
/** The mm's tlb_gen (the simulation has one mm, id MM_ID). */
export const kMmTlbGen = 6 * LINE;
/** Orders the protocol steps of a traced flush across CPUs (--trace only). */
export const kOrderSeq = 7 * LINE;
/**
 * CPU + 1 of a CPU whose fault ended its worker (`--fault <cpu>:exit`): a cooperative worker
 * hosts many CPUs, so its exit alone would not say which one.
 */
export const kExitedCpu = 8 * LINE;
/** Most worker threads of the cooperative engine: each has a wake word of its own below. */
export const MAX_WAKE_WORKERS = 64;
/**
 * A cooperative worker's wake word, bumped by a CPU on another worker that gives one of its CPUs
 * work; the worker waits on it when none of its CPUs can run.
 */
export function workerWakeWord(worker: number): number {
  return (9 + worker) * LINE;
}
const HEADER_LINES = 9 + MAX_WAKE_WORKERS;

/** The address space the workloads run in; 0 means "no mm" (init_mm). */
export const MM_ID = 1;
/**
 * cpu_tlbstate.loaded_mm while switch_mm_irqs_off() is under way (Linux's LOADED_MM_SWITCHING):
 * the CPU stays in the flush mask, but nmi_uaccess_okay() says no.
 */
export const LOADED_MM_SWITCHING = -1;

// ── per-CPU shared line: cpu_tlbstate_shared, read by every initiator, rarely written ─────────
/** cpu_tlbstate.loaded_mm: MM_ID, LOADED_MM_SWITCHING or 0. */
export const kCpuLoadedMm = 0;
/** cpu_tlbstate_shared.is_lazy: idle, borrowing the mm; flushes skip it. */
export const kCpuIsLazy = 1;

// ── per-CPU private line: written often by its owner only ────────────────────────────────────
/** cpu_tlbstate.ctxs[].tlb_gen: the mm generation this CPU's TLB is known to be current with. */
export const kCpuLocalTlbGen = 0;
/** 1 while interrupts are enabled (the CPU takes its doorbell between accesses). */
export const kCpuIrqsEnabled = 1;
/** Odd while a user access is in flight; TLBSYNC waits for it to turn even (broadcast). */
export const kCpuAccessSeq = 2;

// ── per-CPU interrupt block: the doorbell shares its line with the call_single_queue's head
//    and first slots, so one cache-line transfer carries both the IPI and the queued csd ─────
/**
 * The IPI: a counter a sender bumps when its push turned the queue non-empty. The owner never
 * writes it; it remembers the last value it handled, so taking an IPI costs no store.
 */
export const kCpuDoorbell = 0;
/**
 * Threads engine: bumped by anyone who gives this CPU work (IPI, csd unlock); a parked CPU waits
 * on it. The cooperative engine wakes through its schedulers instead (worker-wakes.ts).
 */
export const kCpuWakeSeq = 1;
/** 1 while the CPU is (about to be) in Atomics.wait on kCpuWakeSeq: wakers must notify. */
export const kCpuParked = 2;

// ── flush_tlb_info, on the initiator's "stack" (referred to by sync/concurrent csds): what
//    the targets' flush_tlb_func() reads of it (one mm; freed tables travel as the csd type) ──
export const kInfoStart = 0;
export const kInfoEnd = 1;
export const kInfoNewTlbGen = 2;

// ── call_single_data ─────────────────────────────────────────────────────────────────────────
/** CSD_FLAG_LOCK | CSD_TYPE_SYNC: the sender sets LOCK, the target clears the whole word. */
export const kCsdFlags = 0;
export const kCsdFunc = 1;
export const kCsdSrc = 2;
/**
 * Inline flush info (async-inline): copied into the csd's own line by the sender. Only what the
 * target's flush_tlb_func() reads: the simulation has one mm, and whether tables were freed
 * travels as the csd's type (SYNC), as the RFC decides it on the sender's side.
 */
export const kCsdInfoStart = 3;
export const kCsdInfoEnd = 4;
export const kCsdInfoNewTlbGen = 5;
/** Written by the target before it unlocks: what its flush did (the cost model reads it). */
export const kCsdFlushKind = 6;

export const CSD_FLAG_LOCK = 1;
/** Unlock after the function ran (SYNC); without it the target unlocks first (ASYNC). */
export const CSD_TYPE_SYNC = 2;
/** The flush is the traced one: the target records the order of its steps. */
export const CSD_FLAG_RECORD = 4;

/** flush_tlb_func with the info on the sender's stack (csd->info points at it). */
export const FUNC_FLUSH_TLB_REF = 1;
/** flush_tlb_func with the info inlined in the csd (the 2019 RFC). */
export const FUNC_FLUSH_TLB_INLINE = 2;
/** Another cross-call that reads user memory on the target. */
export const FUNC_READ_USER = 3;

/** Each sender owns this many csds per target: one for flushes, two for other cross-calls. */
export const CSD_KINDS = 3;
export const CSD_FLUSH = 0;
export const CSD_CALL_BEFORE = 1;
export const CSD_CALL_AFTER = 2;

/** Flush kinds reported in kCsdFlushKind. */
export const FLUSH_NONE = 0;
export const FLUSH_PARTIAL = 1;
export const FLUSH_FULL = 2;

/** end == TLB_FLUSH_ALL asks for a full flush. */
export const TLB_FLUSH_ALL = -1;

// ── ring (inside the interrupt block) ────────────────────────────────────────────────────────
/** The owner's consume position. */
export const kRingHead = 3;
/** Slots follow the head; words 0–2 of the block are the doorbell's. */
export const kRingSlots = 4;

/** Producers' claim position (CAS), on its own line after the slots. */
export function ringTailOffset(capacity: number): number {
  return roundUpToLine(kRingSlots + capacity);
}

// ── page table entry: one Int32, read with one load so a walk never sees half a change ────────
/** gen << 3 | frame slot << 1 | present. */
export const PTE_PRESENT = 1;
export const PTE_SLOT_SHIFT = 1;
export const PTE_SLOT_MASK = 3;
export const PTE_GEN_SHIFT = 3;
/** Frames per virtual page: a zapped page's frame rests until the page comes round again. */
export const FRAME_POOL = 4;

// ── frames ───────────────────────────────────────────────────────────────────────────────────
/** Writes that landed in the frame (Atomics.add). */
export const kFrameWrites = 0;
/** cpu + 1 of the last writer, and the PTE generation it wrote through. */
export const kFrameLastWriter = 1;
export const kFrameLastGen = 2;
export const kFrameData = 3;
export const FRAME_WORDS = 4;

export interface LayoutParams {
  cpus: number;
  tlbSets: number;
  tlbWays: number;
  vaPages: number;
}

export interface Layout extends LayoutParams {
  /** Total Int32 slots. */
  words: number;
  /**
   * A bit per CPU, set by a cooperative worker that gives a CPU of another worker something to
   * go on with; that worker takes the bits of its slice and looks at those CPUs only.
   */
  wakeBits: number;
  tlbstateLines: number;
  privateLines: number;
  infoLines: number;
  rings: number;
  ringCapacity: number;
  ringStride: number;
  csds: number;
  tlbs: number;
  tlbEntries: number;
  tlbStride: number;
  /** Paging-structure caches: `pscStride` words per CPU, one per table. */
  pscs: number;
  pscStride: number;
  /** Per last-level table: the generation of the table its upper-level entry links in. */
  pmds: number;
  /** Per table: generations below this one are freed (and their pages reused). */
  tablesFreed: number;
  pageTable: number;
  flushedGen: number;
  frames: number;
}

function roundUpToLine(n: number): number {
  return Math.ceil(n / LINE) * LINE;
}

/**
 * A ring holds at most cpus × CSD_KINDS entries: every entry is a locked csd, and a sender
 * locks a csd before it pushes it. A power of two at least that big can therefore never fill.
 */
export function ringCapacityFor(cpus: number): number {
  let cap = 2;
  while (cap < cpus * CSD_KINDS) cap *= 2;
  return cap;
}

export function computeLayout(p: LayoutParams): Layout {
  let at = HEADER_LINES * LINE;
  const wakeBits = at;
  at += roundUpToLine(Math.ceil(p.cpus / 32));
  const tlbstateLines = at;
  at += p.cpus * LINE;
  const privateLines = at;
  at += p.cpus * LINE;
  const infoLines = at;
  at += p.cpus * LINE;
  const ringCapacity = ringCapacityFor(p.cpus);
  const ringStride = ringTailOffset(ringCapacity) + LINE;
  const rings = at;
  at += p.cpus * ringStride;
  const csds = at;
  at += p.cpus * p.cpus * CSD_KINDS * LINE;
  const tlbEntries = p.tlbSets * p.tlbWays;
  // Three words per entry (tag, PTE, LRU stamp; see tlb.ts).
  const tlbStride = roundUpToLine(3 * tlbEntries);
  const tlbs = at;
  at += p.cpus * tlbStride;
  const pscStride = roundUpToLine(AddressSpace.maxTables(p.cpus));
  const pscs = at;
  at += p.cpus * pscStride;
  const pmds = at;
  at += pscStride;
  const tablesFreed = at;
  at += pscStride;
  const pageTable = at;
  at += roundUpToLine(p.vaPages);
  const flushedGen = at;
  at += roundUpToLine(p.vaPages);
  const frames = at;
  at += p.vaPages * FRAME_POOL * FRAME_WORDS;
  return Object.freeze({
    ...p,
    words: at,
    wakeBits,
    tlbstateLines,
    privateLines,
    infoLines,
    rings,
    ringCapacity,
    ringStride,
    csds,
    tlbs,
    tlbEntries,
    tlbStride,
    pscs,
    pscStride,
    pmds,
    tablesFreed,
    pageTable,
    flushedGen,
    frames,
  });
}

export function tlbstateLine(l: Layout, cpu: number): number {
  return l.tlbstateLines + cpu * LINE;
}

export function privateLine(l: Layout, cpu: number): number {
  return l.privateLines + cpu * LINE;
}

/** The CPU's interrupt block: doorbell, wake words, and its call_single_queue. */
export function irqBlock(l: Layout, cpu: number): number {
  return l.rings + cpu * l.ringStride;
}

export function infoLine(l: Layout, cpu: number): number {
  return l.infoLines + cpu * LINE;
}

/** The csd that `src` owns for sending `kind` calls to `dst`. */
export function csdIndex(l: Layout, src: number, dst: number, kind: number): number {
  return ((src * l.cpus + dst) * CSD_KINDS + kind) | 0;
}

export function tlbBase(l: Layout, cpu: number): number {
  return l.tlbs + cpu * l.tlbStride;
}

export function pscBase(l: Layout, cpu: number): number {
  return l.pscs + cpu * l.pscStride;
}

/**
 * Every message that crosses between the machine (main thread) and a CPU (worker). None of them
 * is sent on the flush path: one `run` per case in, one `result` or `error` per case out.
 */
import type { ErrorCode } from './errors.js';
import type { ResolvedCaseOptions } from './options.js';
import type { Profile } from './profile.js';

/** Counter slots of a CPU's Float64Array, in this order. */
export const COUNTER_NAMES = Object.freeze([
  'ipisSent',
  'ipisNotNeeded',
  'csdsHandled',
  'lazySkipped',
  'partialFlushes',
  'fullFlushes',
  'invlpgs',
  'tlbHits',
  'tlbMisses',
  'pageWalks',
  'pageFaults',
  'crosscalls',
  'deferredFlushes',
  'catchUpFlushes',
  'broadcastInvalidations',
  'tlbsyncWaits',
  'modeledLineTransfers',
  'nmis',
  'nmiUaccessRefused',
  'speculativeWalks',
  'pscHits',
] as const);
export type CounterName = (typeof COUNTER_NAMES)[number];

export const C_IPIS_SENT = 0;
export const C_IPIS_NOT_NEEDED = 1;
export const C_CSDS_HANDLED = 2;
export const C_LAZY_SKIPPED = 3;
export const C_PARTIAL_FLUSHES = 4;
export const C_FULL_FLUSHES = 5;
export const C_INVLPGS = 6;
export const C_TLB_HITS = 7;
export const C_TLB_MISSES = 8;
export const C_PAGE_WALKS = 9;
export const C_PAGE_FAULTS = 10;
export const C_CROSSCALLS = 11;
export const C_DEFERRED_FLUSHES = 12;
export const C_CATCH_UP_FLUSHES = 13;
export const C_BROADCAST_INVALIDATIONS = 14;
export const C_TLBSYNC_WAITS = 15;
export const C_MODELED_LINE_TRANSFERS = 16;
export const C_NMIS = 17;
/** NMIs whose handler did not read user memory because nmi_uaccess_okay() said no. */
export const C_NMI_UACCESS_REFUSED = 18;
export const C_SPECULATIVE_WALKS = 19;
/** Page walks that found the upper-level entry in the paging-structure cache. */
export const C_PSC_HITS = 20;

/**
 * stale-use, lost-write: the observed rule; ack-window-*: the ack-window rule; freed-table-walk:
 * either rule applied to a walk through a cached upper-level entry (see oracle.ts).
 */
export type ViolationKind =
  | 'stale-use'
  | 'lost-write'
  | 'ack-window-use'
  | 'ack-window-write'
  | 'ack-window-exposed'
  | 'ack-window-unordered-return'
  | 'freed-table-walk';

export interface Violation {
  kind: ViolationKind;
  /** Order of detection across CPUs (kViolationSeq). */
  seq: number;
  /** The CPU whose access used the old translation (or whose write was lost). */
  cpu: number;
  vpn: number;
  /** The generation of the translation the access used. */
  entryGen: number;
  /**
   * The generation the access had to be at least: whose flush had returned before the access
   * began (observed rule), or that the acknowledged request published (ack-window rule). For a
   * freed-table walk, table generations.
   */
  flushedGen: number;
  /** The tlb_gen of the acknowledged request (ack-window rule). */
  tlbGen?: number;
  /** What the CPU was doing, and where the protocol was. */
  step: string;
}

/** What the oracle counted (one CPU's, or summed over the machine). */
export interface OracleCounts {
  checkedAccesses: number;
  /** Observed rule. */
  staleUses: number;
  lostWrites: number;
  /** Ack-window rule: uses, writes and exposures of translations an acknowledged flush killed. */
  ackWindowViolations: number;
  /** Walks through a cached entry of a freed (or acknowledged-as-freed) page table. */
  freedTableWalks: number;
  /** The earliest violation of any kind, across CPUs. */
  firstViolation: Violation | null;
  /** The earliest violation of each kind found (not stored: the run keeps the earliest). */
  firstByKind: Partial<Record<ViolationKind, Violation>>;
}

/**
 * Every violation either rule counted (zero for a correct protocol). A stored record from before
 * the ack-window rule has null for its counts: they count as nothing found.
 */
export function violationsOf(o: {
  staleUses: number;
  lostWrites: number;
  ackWindowViolations?: number | null;
  freedTableWalks?: number | null;
}): number {
  return o.staleUses + o.lostWrites + (o.ackWindowViolations ?? 0) + (o.freedTableWalks ?? 0);
}

/** One modeled event of the traced flush on one CPU, in cycles since the flush started. */
export interface TraceEvent {
  cpu: number;
  event: string;
  cycles: number;
  peer?: number;
}

/** One protocol step of the traced flush, as it really happened, in global order. */
export interface OrderEvent {
  seq: number;
  cpu: number;
  step: string;
  peer?: number;
}

/**
 * The schedule a cooperative worker ran (see sim/cpu/scheduler.ts): PCT with this seed and depth,
 * the steps it took (a step runs one CPU from one wait point to the next), and the steps that led
 * to the first violation, when there was one.
 */
export interface ScheduleInfo {
  seed: number;
  policy: 'pct';
  depth: number;
  steps: number;
  firstViolationSteps: string[] | null;
}

export interface CaseConfig {
  options: ResolvedCaseOptions;
  profile: Profile;
  /** The wait strategy for this case, decided by the machine (the threads engine's). */
  waitMode: 'spin' | 'park';
  csdLockTimeoutMs: number;
  /** Deadline for the barriers around the case. */
  barrierTimeoutMs: number;
}

export interface RunMessage {
  type: 'run';
  config: CaseConfig;
}

export type ToCpu = RunMessage;

export interface ReadyMessage {
  type: 'ready';
  cpu: number;
}

export interface CpuResult {
  type: 'result';
  cpu: number;
  initiator: boolean;
  /** Flushes run in all (warm-up and traced included) and of them the warm-up. */
  flushesRun: number;
  warmupFlushes: number;
  /** Wall-clock of each measured flush call, ns (initiators only). */
  samplesNs: Float64Array | null;
  /** tinybench's relative margin of error of the mean, % (NaN without tinybench). */
  rme: number;
  /** Modeled cycles of each measured flush call and of each iteration (initiators only). */
  modeledCycles: Float64Array | null;
  iterationCycles: Float64Array | null;
  /** The measured system calls' modeled cycles (before the flush and the flush), summed. */
  callCycles: number;
  counters: Float64Array;
  remoteHandlerCycles: number;
  remoteHandlers: number;
  oracle: OracleCounts;
  trace: TraceEvent[] | null;
  order: OrderEvent[] | null;
  /** The cooperative engine: the schedule of this CPU's worker (on its first CPU's result). */
  schedule?: ScheduleInfo;
}

export interface ErrorMessage {
  type: 'error';
  /** The CPU that reports. */
  cpu: number;
  /** The CPU the error is about (the stuck one, for a csd that was never unlocked). */
  about: number;
  code: ErrorCode;
  message: string;
}

export type FromCpu = ReadyMessage | CpuResult | ErrorMessage;

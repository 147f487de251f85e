/** A case's result, as the machine assembles it from every CPU's report. */
import { availableParallelism } from 'node:os';
import { type Summary, summarize } from '../../common/stats.js';
import {
  COUNTER_NAMES,
  type CounterName,
  type CpuResult,
  type OracleCounts,
  type OrderEvent,
  type ScheduleInfo,
  type TraceEvent,
} from '../shared/messages.js';
import type {
  Engine,
  Protocol,
  ResolvedCaseOptions,
  ResolvedMachineOptions,
  Workload,
} from '../shared/options.js';
import type { Profile } from '../shared/profile.js';

export interface ModeledSummary {
  mean: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

export type Oracle = OracleCounts;

export interface CaseResult {
  state: 'completed';
  protocol: Protocol;
  cpus: number;
  pages: number;
  workload: Workload;
  profile: string;
  flushes: number;
  /** Warm-up flushes actually run (all initiators). */
  warmupFlushes: number;
  /** Flushes run in all by all initiators: warm-up, the traced one, measured. Counters cover them. */
  flushesRun: number;
  seed: number;
  freedTables: boolean;
  /** How waiting CPUs waited: spinning or parked threads, or switched out (cooperative). */
  waitMode: 'spin' | 'park' | 'switch';
  engine: Engine;
  /** Worker threads that ran the CPUs. */
  workers: number;
  /** The cooperative engine's schedule (null on the threads engine). */
  schedule: ScheduleInfo | null;
  /** Cores of the machine that ran the simulation: more CPUs than this is not hardware-like. */
  hostCores: number;
  /** Wall-clock of each flush call on the initiator(s). */
  latencyNs: Summary;
  /**
   * tinybench's relative margin of error of the mean, % (the largest over the initiators), or
   * null when the case ran a fixed number of flushes without tinybench.
   */
  rme: number | null;
  /** The raw wall-clock samples, ns, in the order they were taken. */
  samplesNs: Float64Array;
  modeledCycles: ModeledSummary;
  /** The same at the profile's clock. */
  modeledNs: ModeledSummary;
  modeledIterationCycles: { mean: number };
  /** The system call alone (madvise: syscall, body, zap, flush, freeing the pages), without the refault after it. */
  modeledCallCycles: { mean: number };
  modeledRemoteHandlerCycles: { mean: number; count: number };
  counters: Record<CounterName, number>;
  oracle: Oracle;
  /** The modeled cycles of each measured flush, in order (bit-identical across runs). */
  modeledCyclesSamples: Float64Array;
  /** The modeled events of one flush (--trace). */
  trace: TraceEvent[] | null;
  /** The protocol steps of that flush as they really happened, in global order (--trace). */
  order: OrderEvent[] | null;
  elapsedMs: number;
}

function modeledSummary(s: Summary): ModeledSummary {
  return { mean: s.mean, p50: s.p50, p99: s.p99, min: s.min, max: s.max };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

export function assemble(
  o: ResolvedCaseOptions,
  machine: ResolvedMachineOptions,
  profile: Profile,
  waitMode: 'spin' | 'park',
  reports: CpuResult[],
  elapsedMs: number,
): CaseResult {
  const initiators = reports.filter((r) => r.initiator);
  const samplesNs = concat(initiators.map((r) => r.samplesNs!));
  const modeledCyclesSamples = concat(initiators.map((r) => r.modeledCycles!));
  const modeled = summarize(modeledCyclesSamples);
  const iterations = summarize(concat(initiators.map((r) => r.iterationCycles!)));
  const counters = Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as Record<
    CounterName,
    number
  >;
  const oracle: OracleCounts = {
    checkedAccesses: 0,
    staleUses: 0,
    lostWrites: 0,
    ackWindowViolations: 0,
    freedTableWalks: 0,
    firstViolation: null,
    firstByKind: {},
  };
  let handlerCycles = 0;
  let handlers = 0;
  for (const r of reports) {
    COUNTER_NAMES.forEach((k, i) => {
      counters[k] += r.counters[i];
    });
    const o = r.oracle;
    oracle.checkedAccesses += o.checkedAccesses;
    oracle.staleUses += o.staleUses;
    oracle.lostWrites += o.lostWrites;
    oracle.ackWindowViolations += o.ackWindowViolations;
    oracle.freedTableWalks += o.freedTableWalks;
    const v = o.firstViolation;
    if (v && (!oracle.firstViolation || v.seq < oracle.firstViolation.seq)) {
      oracle.firstViolation = v;
    }
    for (const first of Object.values(o.firstByKind)) {
      const known = oracle.firstByKind[first.kind];
      if (!known || first.seq < known.seq) oracle.firstByKind[first.kind] = first;
    }
    handlerCycles += r.remoteHandlerCycles;
    handlers += r.remoteHandlers;
  }
  const toNs = (s: ModeledSummary): ModeledSummary => ({
    mean: s.mean / profile.ghz,
    p50: s.p50 / profile.ghz,
    p99: s.p99 / profile.ghz,
    min: s.min / profile.ghz,
    max: s.max / profile.ghz,
  });
  return {
    state: 'completed',
    protocol: o.protocol,
    cpus: reports.length,
    pages: o.pages,
    workload: o.workload,
    profile: profile.name,
    flushes: o.flushes,
    warmupFlushes: initiators.reduce((n, r) => n + r.warmupFlushes, 0),
    flushesRun: initiators.reduce((n, r) => n + r.flushesRun, 0),
    seed: o.seed,
    freedTables: o.freedTables,
    waitMode: machine.engine === 'cooperative' ? 'switch' : waitMode,
    engine: machine.engine,
    workers: machine.workers,
    schedule: scheduleOf(reports),
    hostCores: availableParallelism(),
    latencyNs: summarize(samplesNs),
    rme: o.timeMs > 0 ? Math.max(...initiators.map((r) => r.rme)) : null,
    samplesNs,
    modeledCycles: modeledSummary(modeled),
    modeledNs: toNs(modeledSummary(modeled)),
    modeledIterationCycles: { mean: iterations.mean },
    modeledCallCycles: {
      mean: initiators.reduce((n, r) => n + r.callCycles, 0) / iterations.count,
    },
    modeledRemoteHandlerCycles: {
      mean: handlers > 0 ? handlerCycles / handlers : 0,
      count: handlers,
    },
    counters,
    oracle,
    modeledCyclesSamples,
    trace: reports[0].trace,
    order: o.trace ? reports.flatMap((r) => r.order ?? []).sort((a, b) => a.seq - b.seq) : null,
    elapsedMs,
  };
}

/** The schedule of a cooperative case: worker 0's, with every worker's steps counted. */
function scheduleOf(reports: CpuResult[]): ScheduleInfo | null {
  const parts = reports.flatMap((r) => (r.schedule ? [r.schedule] : []));
  if (parts.length === 0) return null;
  const violating = parts.find((s) => s.firstViolationSteps !== null);
  return {
    ...parts[0],
    steps: parts.reduce((n, s) => n + s.steps, 0),
    firstViolationSteps: violating?.firstViolationSteps ?? null,
  };
}

/**
 * Runs a suite: one machine per CPU count, reused for that count's cases, on the engine chosen
 * for that count (case-options.ts); on the threads engine each case is measured by tinybench
 * inside the initiating CPU's worker, on the cooperative one over a counted number of flushes. A case that errors, a safe protocol that breaks
 * the oracle, or a negative control the oracle fails to catch, is recorded as such and the run
 * goes on. Nothing is stored here: the caller writes
 * the finished run in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createError } from '../common/errors.js';
import { VERSION } from '../common/version.js';
import { withVerdicts } from '../data/case-verdict.js';
import {
  type CaseRecord,
  caseKey,
  erroredCase,
  HOST_PROFILE,
  type RunRecord,
} from '../data/run-record.js';
import type { HostContext } from '../host/context.js';
import { checkHost, checkKernelOptions } from '../host/kernel.js';
import {
  type CaseResult,
  checkProfileFits,
  ErrorCodes,
  isFlushbenchError,
  loadProfile,
  Machine,
  nonFiniteStatistic,
  oracleVerdict,
  type ResolvedMachineOptions,
  resolveCaseOptions,
  violationsOf,
} from '../sim/index.js';
import { invalidRange } from '../sim/shared/errors.js';
import { checkFaultFiresInSome, type FaultCase, type FaultOptions } from '../sim/shared/fault.js';
import { checkFault } from '../sim/shared/options.js';
import { RUNNER_JUDGE } from './case-judge.js';
import { type CaseConfig, caseOptions, faultCaseOf, machineOptionsFor } from './case-options.js';
import { kernelIterations, runKernelCase } from './kernel-case.js';
import { noiseCheck, probeBefore } from './noise.js';
import { commitInfo, hostInfo } from './provenance.js';
import { replayCommand } from './replay.js';
import { type BenchCase, type CaseSpec, isKernelCase } from './suites.js';

/** Samples stored per case: past this, evenly spaced order statistics stand for the rest. */
export const MAX_STORED_SAMPLES = 10_000;

export interface BenchConfig extends CaseConfig {
  suite: string;
  cases: BenchCase[];
  /** Injected into every case where it can fire (sim/shared/fault.ts); there must be one. */
  fault?: FaultOptions | null;
  /** Probe the machine before and after for the wall-clock noise check (default: yes). */
  noiseCheck?: boolean;
}

export interface BenchProgress {
  caseStarted?(index: number, total: number, spec: BenchCase): void;
  caseFinished?(index: number, total: number, record: CaseRecord, elapsedMs: number): void;
}

/** Every case's options, checked before a single worker starts (bad input → nothing runs). */
export function validateBench(config: BenchConfig): void {
  loadProfile(config.profile);
  const fault = config.fault ? checkFault(config.fault) : null;
  let host: HostContext | null = null;
  const faultCases: FaultCase[] = [];
  let kernelCases = 0;
  let cooperative = 0;
  for (const spec of config.cases) {
    if (isKernelCase(spec)) {
      host ??= checkHost();
      checkKernelOptions({ ...spec, iterations: kernelIterations(config.iterations) }, host);
      kernelCases++;
      continue;
    }
    const options = caseOptions({ ...config, fault: null }, spec);
    faultCases.push(faultCaseOf(config, spec, options));
    checkProfileFits(loadProfile(options.profile!), spec.cpus);
    if (machineOptionsFor(config, spec.cpus).engine === 'cooperative') cooperative++;
  }
  if (config.workers !== undefined && cooperative === 0) {
    throw invalidRange(
      `--workers has no effect: no case runs on the cooperative engine (--engine ${config.engine ?? 'auto'}; auto picks it above this machine's ${availableParallelism()} cores) (got --workers ${config.workers})`,
    );
  }
  if (fault !== null) checkFaultFiresInSome(fault, faultCases, kernelCases);
}

/** Evenly spaced order statistics of sorted samples, the first and last included. */
export function thin(sorted: ArrayLike<number>, max: number): number[] {
  const n = sorted.length;
  if (n <= max) return Array.from(sorted);
  const out = new Array<number>(max);
  for (let i = 0; i < max; i++) out[i] = sorted[Math.round((i * (n - 1)) / (max - 1))];
  return out;
}

/**
 * Every statistic of a case that is not a finite number, as `name must be a finite number (got
 * value)`. NaN and ±Infinity cannot be stored (SQLite keeps NaN as NULL, JSON writes both as
 * null) and no comparison with them means anything, so such a case failed. rme is not among
 * them: a fixed-count case has none.
 */
export function nonFiniteStatistics(r: CaseResult): string[] {
  const named: [string, number][] = [
    ['wall-clock ns p50', r.latencyNs.p50],
    ['wall-clock ns p99', r.latencyNs.p99],
    ['wall-clock ns mean', r.latencyNs.mean],
    ['wall-clock ns min', r.latencyNs.min],
    ['wall-clock ns max', r.latencyNs.max],
    ['modeled cycles p50', r.modeledCycles.p50],
    ['modeled cycles p99', r.modeledCycles.p99],
    ['modeled cycles mean', r.modeledCycles.mean],
    ['modeled cycles min', r.modeledCycles.min],
    ['modeled cycles max', r.modeledCycles.max],
    ['modeled iteration cycles mean', r.modeledIterationCycles.mean],
    ['modeled remote handler cycles mean', r.modeledRemoteHandlerCycles.mean],
    ['modeled call cycles mean', r.modeledCallCycles.mean],
  ];
  return named
    .filter(([, value]) => !Number.isFinite(value))
    .map(([name, value]) => `${name} must be a finite number (got ${value})`);
}

/**
 * The stored case. `replay`: the command that replays a cooperative case's schedule (null on the
 * threads engine, which has no schedule, and on several cooperative workers, whose is not
 * replayable).
 */
export function caseRecordOf(
  spec: CaseSpec,
  profile: string,
  r: CaseResult,
  replay: string | null = null,
): CaseRecord {
  const machine = { engine: r.engine, workers: r.workers };
  const nonFinite = nonFiniteStatistics(r);
  if (nonFinite.length > 0) {
    return erroredRecord(spec, profile, nonFiniteStatistic(nonFinite.join('; ')), machine);
  }
  const verdict = oracleVerdict(spec.protocol, r, violationsOf(r.oracle));
  // A control the oracle missed is a failed case: with a blind oracle no verdict holds, so its
  // statistics are no result (the error says what the oracle counted).
  if (verdict === 'not-caught') {
    return erroredRecord(
      spec,
      profile,
      createError('CONTROL_NOT_CAUGHT', [
        spec.protocol,
        violationsOf(r.oracle),
        r.oracle.checkedAccesses,
      ]),
      machine,
    );
  }
  const sorted = Float64Array.from(r.samplesNs).sort();
  return {
    key: caseKey({ ...spec, profile }),
    ...specFields(spec),
    profile,
    engine: r.engine,
    workers: r.workers,
    schedule:
      r.schedule === null
        ? null
        : {
            seed: r.schedule.seed,
            policy: r.schedule.policy,
            depth: r.schedule.depth,
            steps: r.schedule.steps,
            replay,
            firstViolationSteps: r.schedule.firstViolationSteps,
          },
    status: verdict === 'violated' ? 'violated' : 'completed',
    error: null,
    wallNs: {
      p50: r.latencyNs.p50,
      p99: r.latencyNs.p99,
      mean: r.latencyNs.mean,
      min: r.latencyNs.min,
      max: r.latencyNs.max,
      // NaN when tinybench had too few samples for a margin of error: stored as none.
      rme: r.rme !== null && Number.isFinite(r.rme) ? r.rme : null,
      count: r.latencyNs.count,
    },
    modeledCycles: {
      p50: r.modeledCycles.p50,
      mean: r.modeledCycles.mean,
      p99: r.modeledCycles.p99,
      iterationMean: r.modeledIterationCycles.mean,
      remoteHandlerMean: r.modeledRemoteHandlerCycles.mean,
      callMean: r.modeledCallCycles.mean,
    },
    counters: { ...r.counters },
    oracle: {
      checkedAccesses: r.oracle.checkedAccesses,
      staleUses: r.oracle.staleUses,
      lostWrites: r.oracle.lostWrites,
      ackWindowViolations: r.oracle.ackWindowViolations,
      freedTableWalks: r.oracle.freedTableWalks,
      firstViolation: r.oracle.firstViolation ? { ...r.oracle.firstViolation } : null,
    },
    kernel: null,
    samplesNs: thin(sorted, MAX_STORED_SAMPLES),
    samplesTotal: sorted.length,
    modeledCyclesSamples: Array.from(r.modeledCyclesSamples),
    trace: r.trace ? { events: r.trace, steps: r.order } : null,
  };
}

/** What a case record says of its spec (the trace request is the run's, not the case's). */
function specFields(spec: CaseSpec) {
  return { protocol: spec.protocol, workload: spec.workload, cpus: spec.cpus, pages: spec.pages };
}

function erroredRecord(
  spec: CaseSpec,
  profile: string,
  err: unknown,
  machine: Pick<ResolvedMachineOptions, 'engine' | 'workers'>,
): CaseRecord {
  const e = err as Error & { code?: string };
  return erroredCase(
    {
      key: caseKey({ ...spec, profile }),
      ...specFields(spec),
      profile,
      engine: machine.engine,
      workers: machine.workers,
    },
    {
      code: isFlushbenchError(err) ? e.code! : ErrorCodes.CASE_FAILED,
      message: e?.message ?? String(err),
    },
  );
}

/**
 * The key a case of this run is stored under: the run's profile by its name, unless the case's
 * CPU count needs another (case-options.ts); a case of the host's kernel, the host's.
 */
export function keyOfCase(config: BenchConfig, spec: BenchCase): string {
  if (isKernelCase(spec)) return caseKey({ ...spec, profile: HOST_PROFILE });
  const options = caseOptions(config, spec);
  const profile =
    options.profile === config.profile ? loadProfile(config.profile).name : options.profile!;
  return caseKey({ ...spec, profile });
}

export async function runBench(
  config: BenchConfig,
  progress: BenchProgress = {},
): Promise<RunRecord> {
  const startedAt = new Date().toISOString();
  // Cases are keyed by the profile's name, so a profile file edited in place (same name, other
  // costs) compares against the runs made with it before.
  const profile = loadProfile(config.profile).name;
  const commit = commitInfo();
  const total = config.cases.length;
  const records: CaseRecord[] = [];
  // Modeled-only callers (validate, the host fit) need no judgement of the wall-clock.
  const probe = config.noiseCheck === false ? null : await probeBefore();
  let machine: Machine | null = null;
  let host: HostContext | null = null;
  const thinned = (sorted: Float64Array) => thin(sorted, MAX_STORED_SAMPLES);
  try {
    for (let i = 0; i < total; i++) {
      const spec = config.cases[i];
      progress.caseStarted?.(i, total, spec);
      const started = performance.now();
      let record: CaseRecord;
      if (isKernelCase(spec)) {
        host ??= checkHost();
        record = await runKernelCase(spec, host, config.iterations, thinned);
        records.push(record);
        progress.caseFinished?.(i, total, record, performance.now() - started);
        continue;
      }
      const options = caseOptions(config, spec);
      // A case on a profile of its own (more CPUs than the run's has) is keyed by that one's name.
      const caseProfile = options.profile === config.profile ? profile : options.profile!;
      const mo = machineOptionsFor(config, spec.cpus);
      try {
        if (machine === null || machine.cpus !== spec.cpus) {
          await machine?.close();
          machine = null;
          machine = await Machine.start(mo);
        }
        const replay = replayCommand(mo, resolveCaseOptions(options, mo));
        record = caseRecordOf(spec, caseProfile, await machine.run(options), replay);
      } catch (err) {
        record = erroredRecord(spec, caseProfile, err, mo);
        // A crashed CPU leaves the machine unusable: the next case starts a new one.
        if (machine !== null && !machine.usable) {
          await machine.close();
          machine = null;
        }
      }
      records.push(record);
      progress.caseFinished?.(i, total, record, performance.now() - started);
    }
  } finally {
    await machine?.close();
  }
  const noise = probe === null ? null : await noiseCheck(probe);
  // Every case's verdict, once, here: the bench table, the store and every reader take it.
  return withVerdicts(
    {
      uuid: randomUUID(),
      commit,
      startedAt,
      endedAt: new Date().toISOString(),
      host: hostInfo(),
      flushbenchVersion: VERSION,
      suite: config.suite,
      profile,
      config: { ...config, ...(noise ? { noise } : {}) },
      cases: records,
    },
    RUNNER_JUDGE,
  );
}

/**
 * A case of this host's own kernel (protocol `linux`) as a run record's case: its wall-clock is
 * the madvise call (the closest thing to the simulator's timed flush call), with the touch, the
 * iteration, the IPIs, the CPUs and the context beside it; no modeled cycles, no oracle.
 */
import { ErrorCodes, isFlushbenchError } from '../common/errors.js';
import { type CaseRecord, caseKey, erroredCase, HOST_PROFILE } from '../data/run-record.js';
import type { HostContext } from '../host/context.js';
import { KERNEL_LIMITS, type KernelCase, measureKernel } from '../host/kernel.js';
import { nonFiniteStatistic } from '../sim/shared/errors.js';
import type { KernelCaseSpec } from './suites.js';

export { HOST_PROFILE };

/** A kernel case takes at least this many iterations: they are cheap, and p99 needs them. */
export const KERNEL_MIN_ITERATIONS = 5000;

export function kernelIterations(benchIterations: number): number {
  return Math.min(Math.max(benchIterations, KERNEL_MIN_ITERATIONS), KERNEL_LIMITS.maxIterations);
}

function identity(spec: KernelCaseSpec) {
  return {
    key: caseKey({ ...spec, profile: HOST_PROFILE }),
    protocol: spec.protocol,
    workload: spec.workload,
    cpus: spec.cpus,
    pages: spec.pages,
    profile: HOST_PROFILE,
  };
}

export function kernelRecordOf(
  spec: KernelCaseSpec,
  k: KernelCase,
  context: HostContext,
  thin: (sorted: Float64Array) => number[],
): CaseRecord {
  const w = k.madviseNs;
  const named: [string, number][] = [
    ['madvise ns p50', w.p50],
    ['madvise ns p99', w.p99],
    ['madvise ns mean', w.mean],
    ['touch ns p50', k.touchNs.p50],
    ['iteration ns p50', k.iterationNs.p50],
  ];
  const bad = named.filter(([, v]) => !Number.isFinite(v));
  if (bad.length > 0) {
    const err = nonFiniteStatistic(
      bad.map(([n, v]) => `${n} must be a finite number (got ${v})`).join('; '),
    );
    return erroredCase(identity(spec), { code: err.code, message: err.message });
  }
  const sorted = Float64Array.from(k.madviseSamplesNs).sort();
  const ns = (s: { p50: number; p99: number; mean: number }) => ({
    p50: s.p50,
    p99: s.p99,
    mean: s.mean,
  });
  return {
    ...identity(spec),
    status: 'completed',
    error: null,
    wallNs: {
      p50: w.p50,
      p99: w.p99,
      mean: w.mean,
      min: w.min,
      max: w.max,
      rme: null,
      count: w.count,
    },
    modeledCycles: null,
    counters: {},
    oracle: null,
    kernel: {
      context,
      cpusUsed: k.cpusUsed,
      touchNs: ns(k.touchNs),
      iterationNs: ns(k.iterationNs),
      flushes: { ...k.flushes },
      ipis: { ...k.ipis },
    },
    samplesNs: thin(sorted),
    samplesTotal: sorted.length,
    modeledCyclesSamples: [],
    trace: null,
  };
}

/** Measures one kernel case; a failure is the case's error, as with simulated cases. */
export async function runKernelCase(
  spec: KernelCaseSpec,
  context: HostContext,
  benchIterations: number,
  thin: (sorted: Float64Array) => number[],
): Promise<CaseRecord> {
  try {
    const k = await measureKernel(
      { ...spec, iterations: kernelIterations(benchIterations) },
      context,
    );
    return kernelRecordOf(spec, k, context, thin);
  } catch (err) {
    const e = err as Error;
    return erroredCase(identity(spec), {
      code: isFlushbenchError(err) ? err.code : ErrorCodes.CASE_FAILED,
      message: e?.message ?? String(err),
    });
  }
}

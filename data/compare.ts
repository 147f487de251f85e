/**
 * Compares two stored runs case by case. Modeled cycles are deterministic, so they are compared
 * exactly against a threshold. Wall-clock is noisy, so a change counts only when the Mann–Whitney
 * U test on the stored samples, Holm-adjusted across every compared case, is significant *and*
 * the median moved by at least the threshold: a noisy runner does not cry wolf. Wall-clock
 * measured on two engines (threads and cooperative) is two simulators' time, not the protocol's:
 * such a change is shown but not judged. Modeled cycles do not depend on the engine and compare
 * across engines. The formatting is in compare-format.ts.
 */

import type {
  CaseComparison,
  Comparison,
  Metric,
  MetricComparison,
  RunSide,
  Verdict,
  WallComparison,
  WallVerdict,
} from './comparison.js';
import { engineOf, KERNEL_PROTOCOL } from './run-record.js';
import { holm, mannWhitneyU } from './statistics.js';
import { type Store, type StoredCase, type StoredRun, UnknownRefError } from './store.js';

export interface CompareOptions {
  metric?: Metric;
  /** Percent; default 2 for modeled cycles, 5 for wall-clock. */
  threshold?: number;
  alpha?: number;
}

export const COMPARE_DEFAULTS = Object.freeze({
  metric: 'modeled' as Metric,
  modeledThresholdPct: 2,
  wallThresholdPct: 5,
  alpha: 0.01,
});

function changePct(base: number, head: number): number {
  return base === 0 ? (head === 0 ? 0 : Number.POSITIVE_INFINITY) : ((head - base) / base) * 100;
}

const WALL_STATISTICS = Object.freeze(['p50', 'p99', 'mean', 'min', 'max'] as const);
const MODELED_STATISTICS = Object.freeze([
  'p50',
  'mean',
  'p99',
  'iterationMean',
  'remoteHandlerMean',
] as const);

/**
 * What makes a stored case that ran unfit to compare: a statistic that is missing or not a
 * finite number. A run stored before flushbench refused them, or uploaded, may hold such a case as
 * 'completed' (SQLite keeps NaN as NULL, so a NaN median reads back missing). An errored case has
 * no statistics by design and is reported as errored instead.
 */
function unusableStatistics(c: StoredCase, side: 'base' | 'head'): string[] {
  if (c.status === 'errored') return [];
  const notes: string[] = [];
  const check = (group: string, stats: Record<string, number> | null, names: readonly string[]) => {
    if (stats === null) {
      // The store reads a group back only when its p50 is there.
      notes.push(`the ${side} run's ${group} p50 is missing`);
      return;
    }
    for (const name of names) {
      const v = stats[name] as number | null | undefined;
      if (typeof v !== 'number') notes.push(`the ${side} run's ${group} ${name} is missing`);
      else if (!Number.isFinite(v)) notes.push(`the ${side} run's ${group} ${name} is ${v}`);
    }
  };
  check('wall-clock ns', c.wallNs as Record<string, number> | null, WALL_STATISTICS);
  // A case of the host's kernel is measured, not modeled: wall-clock is all it has.
  if (c.protocol !== KERNEL_PROTOCOL)
    check('modeled cycles', c.modeledCycles as Record<string, number> | null, MODELED_STATISTICS);
  return notes;
}

function byThreshold(change: number, threshold: number): 'faster' | 'slower' | 'same' {
  if (change > threshold) return 'slower';
  if (change < -threshold) return 'faster';
  return 'same';
}

/**
 * The runs a comparison is between: head defaults to the latest run, base to the latest run of
 * another commit. `label` spells the parameters as the caller's user knows them (--head, head).
 */
export function resolveSides(
  store: Store,
  refs: { base?: string; head?: string },
  label: (side: 'base' | 'head') => string = (side) => `--${side}`,
): { baseId: number; headId: number } {
  const headId =
    refs.head === undefined ? store.latestRunId() : store.resolveRef(refs.head, label('head'));
  if (headId === null)
    throw new UnknownRefError(`${label('head')}: no run is stored yet (run npm run bench)`);
  if (refs.base !== undefined)
    return { baseId: store.resolveRef(refs.base, label('base')), headId };
  // The latest run of another commit; with none, the run before the head (a bench repeated on
  // one commit: the comparison says so, and that its differences are noise).
  const baseId = store.latestRunOfOtherCommit(headId) ?? store.runBefore(headId);
  if (baseId === null) throw new NothingToCompare(headId);
  return { baseId, headId };
}

/** One run stored, and no ref given: there is nothing to compare it with yet. */
export class NothingToCompare extends UnknownRefError {
  constructor(readonly runId: number) {
    super(
      `nothing to compare yet: run ${runId} is the only run stored (bench again, or bench another commit, then compare)`,
    );
  }
}

/**
 * What a comparison of two runs computes from the stored cases, before any threshold or alpha:
 * each case's changes and its wall-clock p-value, Holm-adjusted across the compared cases. Holm's
 * adjusted p-values do not depend on alpha, so one computation serves every threshold and alpha,
 * and the costly part (the U tests over the samples) runs once per pair of runs.
 */
export interface CompareStatistics {
  base: RunSide;
  head: RunSide;
  cases: CaseStatistics[];
}

export interface CaseStatistics {
  key: string;
  /** new, missing or failed: settled whatever the threshold; null when the case was compared. */
  settled: 'new' | 'missing' | 'failed' | null;
  note?: string;
  modeled: { base: number; head: number; changePct: number } | null;
  wall: {
    base: number;
    head: number;
    changePct: number;
    p: number;
    pAdjusted: number;
    oversubscribed: boolean;
    /** Why the change may not be judged (the engines differ); null when it may. */
    unjudgedReason: string | null;
  } | null;
}

/** Compares two stored runs: the statistics, then the verdicts under `opts`. */
export function compareRuns(
  store: Store,
  baseId: number,
  headId: number,
  opts: CompareOptions = {},
): Comparison {
  return judgeComparison(compareStatistics(store, baseId, headId), opts);
}

export function compareStatistics(store: Store, baseId: number, headId: number): CompareStatistics {
  const base = store.getRun(baseId)!;
  const head = store.getRun(headId)!;
  const baseCases = new Map(base.cases.map((c) => [c.key, c]));
  const headCases = new Map(head.cases.map((c) => [c.key, c]));
  const keys = [...new Set([...headCases.keys(), ...baseCases.keys()])];

  const cases: CaseStatistics[] = [];
  const wallTests: CaseStatistics['wall'][] = [];
  for (const key of keys) {
    const b = baseCases.get(key);
    const h = headCases.get(key);
    const settled = (verdict: 'new' | 'missing' | 'failed', note?: string) =>
      cases.push({ key, settled: verdict, modeled: null, wall: null, ...(note ? { note } : {}) });
    if (!b) {
      settled('new');
      continue;
    }
    if (!h) {
      settled('missing');
      continue;
    }
    if (b.status === 'errored' || h.status === 'errored') {
      settled('failed', `the case errored in the ${h.status === 'errored' ? 'head' : 'base'} run`);
      continue;
    }
    const unusable = [...unusableStatistics(b, 'base'), ...unusableStatistics(h, 'head')];
    if (unusable.length > 0) {
      settled('failed', unusable.join('; '));
      continue;
    }
    const c: CaseStatistics = { key, settled: null, modeled: modeledOf(b, h), wall: null };
    // The host's kernel: a change of kernel (or of machine) is what explains a change here.
    const kernelChange = contextChange(b, h);
    if (kernelChange !== null) c.note = kernelChange;
    const bs = store.getSamples(b.id);
    const hs = store.getSamples(h.id);
    if (b.wallNs && h.wallNs && bs && hs && bs.samplesNs.length > 0 && hs.samplesNs.length > 0) {
      const { p } = mannWhitneyU(hs.samplesNs, bs.samplesNs);
      c.wall = {
        base: b.wallNs.p50,
        head: h.wallNs.p50,
        changePct: changePct(b.wallNs.p50, h.wallNs.p50),
        p,
        pAdjusted: p,
        // Each side's verdict says whether its wall-clock was the simulator's, not hardware-like.
        oversubscribed: b.verdict.oversubscribed || h.verdict.oversubscribed,
        unjudgedReason: engineChange(b, h),
      };
      wallTests.push(c.wall);
    }
    cases.push(c);
  }
  // Holm across every case with a U test, unjudged ones included: that only makes the others'
  // adjusted p-values more conservative, and keeps each shown p-value the one its test gave.
  const adjusted = holm(wallTests.map((w) => w!.p));
  wallTests.forEach((w, k) => {
    w!.pAdjusted = adjusted[k];
  });
  return { base: sideOf(base), head: sideOf(head), cases };
}

/** The verdicts: modeled cycles against the threshold; wall-clock by alpha, then the threshold. */
export function judgeComparison(stats: CompareStatistics, opts: CompareOptions = {}): Comparison {
  const metric = opts.metric ?? COMPARE_DEFAULTS.metric;
  const modeledThresholdPct = opts.threshold ?? COMPARE_DEFAULTS.modeledThresholdPct;
  const wallThresholdPct = opts.threshold ?? COMPARE_DEFAULTS.wallThresholdPct;
  const alpha = opts.alpha ?? COMPARE_DEFAULTS.alpha;
  let regressions = 0;
  let improvements = 0;
  const cases = stats.cases.map((s): CaseComparison => {
    const note = s.note === undefined ? {} : { note: s.note };
    if (s.settled !== null)
      return { key: s.key, verdict: s.settled, modeled: null, wall: null, ...note };
    const modeled: MetricComparison | null = s.modeled && {
      ...s.modeled,
      verdict: byThreshold(s.modeled.changePct, modeledThresholdPct),
    };
    const wall: WallComparison | null = s.wall && judgeWall(s.wall, alpha, wallThresholdPct);
    const gated = [
      metric !== 'wall' ? modeled?.verdict : undefined,
      metric !== 'modeled' ? wall?.verdict : undefined,
    ];
    const verdict: Verdict = gated.includes('slower')
      ? 'slower'
      : gated.includes('faster')
        ? 'faster'
        : 'same';
    if (verdict === 'slower') regressions++;
    if (verdict === 'faster') improvements++;
    return { key: s.key, verdict, modeled, wall, ...note };
  });
  // Only cases in both runs reach 'failed'; new and missing ones do not gate.
  const failures = cases.filter((c) => c.verdict === 'failed').length;
  return {
    base: stats.base,
    head: stats.head,
    metric,
    modeledThresholdPct,
    wallThresholdPct,
    alpha,
    cases,
    regressions,
    improvements,
    failures,
    failed: regressions > 0 || failures > 0,
    sameCommit: stats.base.commit !== null && stats.base.commit === stats.head.commit,
  };
}

/** A wall-clock change's verdict: by alpha, then the threshold; unjudged when it has a reason. */
function judgeWall(
  stats: NonNullable<CaseStatistics['wall']>,
  alpha: number,
  thresholdPct: number,
): WallComparison {
  const { unjudgedReason, ...wall } = stats;
  if (unjudgedReason !== null) return { ...wall, verdict: 'unjudged', unjudgedReason };
  const verdict: WallVerdict =
    wall.pAdjusted < alpha ? byThreshold(wall.changePct, thresholdPct) : 'same';
  return { ...wall, verdict };
}

/**
 * Why a case's wall-clock may not be compared between two runs: it ran on two engines (absent is
 * the threads engine). Null when the engines agree, a kernel case's included.
 */
function engineChange(b: StoredCase, h: StoredCase): string | null {
  return enginesDiffer(engineOf(b) ?? 'none', engineOf(h) ?? 'none');
}

/** Why wall-clock measured on engine(s) `base` and `head` may not be compared; null if it may. */
export function enginesDiffer(base: string, head: string): string | null {
  return base === head ? null : `engines differ: ${base} → ${head}`;
}

/** What changed between two runs' contexts of a kernel case (kernel, CPU, VM), or null. */
function contextChange(b: StoredCase, h: StoredCase): string | null {
  const x = b.kernel?.context;
  const y = h.kernel?.context;
  if (!x || !y) return null;
  const changes = [
    x.kernel !== y.kernel ? `kernel ${x.kernel} → ${y.kernel}` : null,
    x.cpuModel !== y.cpuModel ? `CPU ${x.cpuModel} → ${y.cpuModel}` : null,
    x.hypervisor !== y.hypervisor
      ? `${x.hypervisor ? 'VM' : 'bare metal'} → ${y.hypervisor ? 'VM' : 'bare metal'}`
      : null,
    x.pti !== y.pti ? `PTI ${x.pti ? 'on' : 'off'} → ${y.pti ? 'on' : 'off'}` : null,
  ].filter((s) => s !== null);
  return changes.length > 0 ? `the host changed: ${changes.join(', ')}` : null;
}

function modeledOf(b: StoredCase, h: StoredCase): CaseStatistics['modeled'] {
  if (!b.modeledCycles || !h.modeledCycles) return null;
  return {
    base: b.modeledCycles.mean,
    head: h.modeledCycles.mean,
    changePct: changePct(b.modeledCycles.mean, h.modeledCycles.mean),
  };
}

function sideOf(run: StoredRun): RunSide {
  // The noise check bench stores with the run (bench/noise.ts): its verdict and reason.
  const noise = run.config.noise as { noisy?: unknown; reason?: unknown } | undefined;
  return {
    id: run.id,
    commit: run.commit?.sha ?? null,
    subject: run.commit?.subject ?? null,
    branch: run.commit?.branch ?? null,
    suite: run.suite,
    noisy: noise?.noisy === true ? String(noise.reason ?? 'the machine was busy') : null,
  };
}

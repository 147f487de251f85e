/**
 * What `flushbench compare` and GET /api/compare answer: two runs compared case by case (see
 * compare.ts for the rules). TypeBox, so the server serialises with it and the dashboard
 * imports its types.
 */
import { type Static, Type } from 'typebox';
import { Nullable } from './run-record.js';

export const METRICS = Object.freeze(['modeled', 'wall', 'both'] as const);
export type Metric = (typeof METRICS)[number];

export const Verdict = Type.Enum(['faster', 'slower', 'same', 'new', 'missing', 'failed']);
export type Verdict = Static<typeof Verdict>;

export const MetricComparison = Type.Object({
  base: Type.Number(),
  head: Type.Number(),
  changePct: Type.Number(),
  verdict: Verdict,
});
export type MetricComparison = Static<typeof MetricComparison>;

/** A wall-clock change is also `unjudged` when it may not be compared at all (see unjudgedReason). */
export const WallVerdict = Type.Enum(['faster', 'slower', 'same', 'unjudged']);
export type WallVerdict = Static<typeof WallVerdict>;

/** Wall-clock also carries the Mann–Whitney U p-value, and its Holm-adjusted value. */
export const WallComparison = Type.Object({
  ...MetricComparison.properties,
  verdict: WallVerdict,
  p: Type.Number(),
  pAdjusted: Type.Number(),
  /**
   * More simulated CPUs than either run's machine had cores: the wall-clock is the simulator
   * waiting for a core, so the change is shown in parentheses, never bare.
   */
  oversubscribed: Type.Optional(Type.Boolean()),
  /**
   * Why the change is shown but not judged (verdict `unjudged`, never a regression, never
   * gating), e.g. "engines differ: threads → cooperative": wall-clock measured on two engines is
   * two different simulators' time. Absent when the change is judged.
   */
  unjudgedReason: Type.Optional(Type.String()),
});
export type WallComparison = Static<typeof WallComparison>;

export const CaseComparison = Type.Object({
  key: Type.String(),
  verdict: Verdict,
  modeled: Nullable(MetricComparison),
  wall: Nullable(WallComparison),
  note: Type.Optional(Type.String()),
});
export type CaseComparison = Static<typeof CaseComparison>;

export const RunSide = Type.Object({
  id: Type.Integer(),
  commit: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  suite: Type.String(),
  /** Why the run's wall-clock is not to be trusted (its noise check); null when it is. */
  noisy: Nullable(Type.String()),
});
export type RunSide = Static<typeof RunSide>;

export const Comparison = Type.Object({
  base: RunSide,
  head: RunSide,
  metric: Type.Enum(METRICS),
  modeledThresholdPct: Type.Number(),
  wallThresholdPct: Type.Number(),
  alpha: Type.Number(),
  cases: Type.Array(CaseComparison),
  regressions: Type.Integer(),
  improvements: Type.Integer(),
  /**
   * Cases in both runs that could not be compared (verdict 'failed'): the case errored in either,
   * or a statistic of it is missing or not finite.
   */
  failures: Type.Integer(),
  /** True when the gating metric has a regression or a case failed: the CI job fails. */
  failed: Type.Boolean(),
  /**
   * Both runs are of one commit (a bench repeated): whatever differs between them is noise.
   */
  sameCommit: Type.Boolean(),
});
export type Comparison = Static<typeof Comparison>;

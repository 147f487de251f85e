/**
 * What `flushbench validate` stores in its run's config: the published measurements it compared
 * against and, per protocol, published against modeled. The dashboard's Validation view reads
 * it (types only).
 */
import { type Static, Type } from 'typebox';

/** One published figure: a protocol at a CPU and page count. */
export const PublishedPoint = Type.Object({
  protocol: Type.String(),
  cpus: Type.Integer({ minimum: 1 }),
  pages: Type.Integer({ minimum: 1 }),
  published: Type.Number({ exclusiveMinimum: 0 }),
});
export type PublishedPoint = Static<typeof PublishedPoint>;

/** A measurement: its points, the first of which is the baseline the others are ratios to. */
export const PublishedMeasurement = Type.Object({
  id: Type.String(),
  title: Type.String(),
  source: Type.Object({
    citation: Type.String(),
    /** Who measured: validate is held to more than one author's numbers. */
    authors: Type.Array(Type.String(), { minItems: 1 }),
    url: Type.String(),
    quote: Type.String(),
  }),
  machine: Type.String(),
  kernel: Type.String(),
  benchmark: Type.String(),
  profile: Type.String(),
  workload: Type.String(),
  /**
   * What was timed: the whole iteration (madvise + touch), the system call alone, or the flush
   * call (flush_tlb_mm_range()) alone.
   */
  metric: Type.Enum(['iteration', 'call', 'flush']),
  /** ops/s: iterations per second over all CPUs (will-it-scale's total), with metric iteration. */
  unit: Type.Enum(['ns', 'cycles', 'ops/s']),
  points: Type.Array(PublishedPoint, { minItems: 2 }),
  /** How the modeled case differs from the published benchmark, when it does. */
  note: Type.Optional(Type.String()),
});
export type PublishedMeasurement = Static<typeof PublishedMeasurement>;

export const ValidationRow = Type.Object({
  measurement: Type.String(),
  /** The point: which protocol, at how many CPUs and pages. */
  protocol: Type.String(),
  cpus: Type.Integer(),
  pages: Type.Integer(),
  /** In the measurement's unit (ns or cycles). */
  published: Type.Number(),
  modeled: Type.Number(),
  /** This point over the measurement's first one. */
  publishedRatio: Type.Number(),
  modeledRatio: Type.Number(),
  /** modeledRatio / publishedRatio − 1. */
  ratioError: Type.Number(),
  withinTolerance: Type.Boolean(),
});
export type ValidationRow = Static<typeof ValidationRow>;

/** One cost's elasticity at a point: % change of the modeled ratio per % change of the cost. */
export const CostElasticity = Type.Object({
  cost: Type.String(),
  elasticity: Type.Number(),
  /** The profile marks the cost an estimate, not a published figure. */
  estimate: Type.Boolean(),
});

/** The costs a point's modeled ratio depends on most (validate --sensitivity). */
export const PointSensitivity = Type.Object({
  measurement: Type.String(),
  protocol: Type.String(),
  cpus: Type.Integer(),
  pages: Type.Integer(),
  profile: Type.String(),
  costs: Type.Array(CostElasticity),
});
export type PointSensitivity = Static<typeof PointSensitivity>;

/** Points within their tolerance, of all points (fidelity.ts). */
export const ValidationScore = Type.Object({
  within: Type.Integer({ minimum: 0 }),
  of: Type.Integer({ minimum: 0 }),
});

/** A validate run's config. */
export const ValidationConfig = Type.Object({
  suite: Type.Literal('validate'),
  tolerance: Type.Number(),
  rows: Type.Array(ValidationRow),
  /** Computed once by validate; absent in runs stored before it was. */
  score: Type.Optional(ValidationScore),
  /** Per point (each measurement's baseline aside), with --sensitivity only. */
  sensitivity: Type.Optional(Type.Array(PointSensitivity)),
  measurements: Type.Array(PublishedMeasurement),
});
export type ValidationConfig = Static<typeof ValidationConfig>;

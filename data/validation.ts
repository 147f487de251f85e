/**
 * What `flushbench validate` stores in its run's config: the published measurements it compared
 * against and, per protocol, published against modeled. The dashboard's Validation view reads
 * it (types only).
 */
import { type Static, Type } from 'typebox';

export const PublishedMeasurement = Type.Object({
  id: Type.String(),
  title: Type.String(),
  source: Type.Object({ citation: Type.String(), url: Type.String(), quote: Type.String() }),
  machine: Type.String(),
  kernel: Type.String(),
  benchmark: Type.String(),
  profile: Type.String(),
  workload: Type.String(),
  cpus: Type.Integer(),
  pages: Type.Integer(),
  /** What was timed: the whole iteration (madvise + touch) or the flush call alone. */
  metric: Type.Enum(['iteration', 'flush']),
  baseline: Type.String(),
  publishedNs: Type.Record(Type.String(), Type.Number()),
});
export type PublishedMeasurement = Static<typeof PublishedMeasurement>;

export const ValidationRow = Type.Object({
  measurement: Type.String(),
  protocol: Type.String(),
  publishedNs: Type.Number(),
  modeledNs: Type.Number(),
  publishedRatio: Type.Number(),
  modeledRatio: Type.Number(),
  /** modeledRatio / publishedRatio − 1. */
  ratioError: Type.Number(),
  withinTolerance: Type.Boolean(),
});
export type ValidationRow = Static<typeof ValidationRow>;

/** A validate run's config. */
export const ValidationConfig = Type.Object({
  suite: Type.Literal('validate'),
  tolerance: Type.Number(),
  rows: Type.Array(ValidationRow),
  measurements: Type.Array(PublishedMeasurement),
});
export type ValidationConfig = Static<typeof ValidationConfig>;

/**
 * What GET /api/history answers: one metric of one case over commits, oldest first (see
 * history.ts for how a regression is decided). TypeBox, so the server serialises with it and the
 * dashboard imports its types.
 */
import { type Static, Type } from 'typebox';
import { caseInRun } from './stored.js';

export const HISTORY_METRICS = Object.freeze(['modeled', 'wall-p50', 'wall-p99'] as const);
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

/**
 * One commit's point: the metric's lower median over that commit's runs (`runs` of them: with an
 * even number, the lower middle one, a value a run measured), their spread (`min` … `max`), shown
 * with its latest run (the ids, commit and start are that run's).
 */
export const HistoryPoint = Type.Object({
  ...caseInRun,
  value: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
  runs: Type.Integer({ minimum: 1 }),
  /** Whether it regressed against the commit before, by compare's rules. */
  regression: Type.Boolean(),
  /**
   * Why a wall-clock change against the commit before was not judged (as compare: the engines
   * differ); absent when it was judged, and for modeled cycles, which compare across engines.
   */
  unjudgedReason: Type.Optional(Type.String()),
});
export type HistoryPoint = Static<typeof HistoryPoint>;

export const History = Type.Object({
  key: Type.String(),
  metric: Type.Enum(HISTORY_METRICS),
  /** The filters applied (null: every branch, every host). */
  branch: Type.Union([Type.String(), Type.Null()]),
  host: Type.Union([Type.String(), Type.Null()]),
  /** The branches and hosts that measured this case, the most recent first. */
  branches: Type.Array(Type.String()),
  hosts: Type.Array(Type.String()),
  points: Type.Array(HistoryPoint),
});
export type History = Static<typeof History>;

/**
 * What GET /api/history answers: one metric of one case over commits, oldest first (see
 * history.ts for how a regression is decided). TypeBox, so the server serialises with it and the
 * dashboard imports its types.
 */
import { type Static, Type } from 'typebox';
import { caseInRun } from './stored.js';

export const HISTORY_METRICS = Object.freeze(['modeled', 'wall-p50', 'wall-p99'] as const);
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

export const HistoryPoint = Type.Object({
  ...caseInRun,
  /** The metric's value in this run. */
  value: Type.Number(),
  /** Whether it regressed against the point before, by compare's rules. */
  regression: Type.Boolean(),
});
export type HistoryPoint = Static<typeof HistoryPoint>;

export const History = Type.Object({
  key: Type.String(),
  metric: Type.Enum(HISTORY_METRICS),
  points: Type.Array(HistoryPoint),
});
export type History = Static<typeof History>;

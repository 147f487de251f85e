/**
 * What the store reads back, as the server answers it: runs and cases with their ids, without
 * the bulky samples and traces (fetched per case), run summaries, a case's history. Built from
 * the run record's own parts (run-record.ts), so a field is defined once for both.
 */
import { type Static, Type } from 'typebox';
import {
  byStatus,
  caseExecution,
  caseIdentity,
  failed,
  measured,
  Nullable,
  runFields,
  StoredVerdict,
} from './run-record.js';
import { ValidationScore } from './validation.js';

export const StoredCase = byStatus([
  Type.Object({
    id: Type.Integer(),
    ...caseIdentity,
    ...caseExecution,
    /** Every stored case has one (migrations 9 and 10 judged the cases stored before them). */
    verdict: StoredVerdict,
    ...measured,
    samplesTotal: Type.Integer({ minimum: 0 }),
    hasTrace: Type.Boolean(),
  }),
  Type.Object({
    id: Type.Integer(),
    ...caseIdentity,
    ...caseExecution,
    verdict: StoredVerdict,
    ...failed,
    samplesTotal: Type.Literal(0),
    hasTrace: Type.Literal(false),
  }),
]);
export type StoredCase = Static<typeof StoredCase>;

export const StoredRun = Type.Object({
  id: Type.Integer(),
  ...runFields,
  cases: Type.Array(StoredCase),
});
export type StoredRun = Static<typeof StoredRun>;

/** A line of the run list: the run's commit and how many of its cases failed. */
export const RunSummary = Type.Object({
  id: Type.Integer(),
  uuid: Type.String(),
  startedAt: Type.String(),
  endedAt: Type.String(),
  commitSha: Nullable(Type.String()),
  commitSubject: Nullable(Type.String()),
  commitTime: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  dirty: Nullable(Type.Boolean()),
  suite: Type.String(),
  profile: Type.String(),
  cases: Type.Integer(),
  failures: Type.Integer(),
  /** Its cases with a traced flush: the Timeline opens the latest run that has one. */
  traced: Type.Integer({ minimum: 0 }),
  /** A validation run's score, as validate stored it (absent on bench runs and older ones). */
  fidelity: Type.Optional(ValidationScore),
});
export type RunSummary = Static<typeof RunSummary>;

/** A case's samples: wall-clock ns and modeled cycles, and how many were taken before thinning. */
export const Samples = Type.Object({
  caseId: Type.Integer(),
  samplesNs: Type.Array(Type.Number()),
  modeledCyclesSamples: Type.Array(Type.Number()),
  total: Type.Integer(),
});
export type Samples = Static<typeof Samples>;

/** A case that some run measured, and how many runs did. */
export const CaseKind = Type.Object({
  key: Type.String(),
  protocol: Type.String(),
  workload: Type.String(),
  cpus: Type.Integer(),
  pages: Type.Integer(),
  profile: Type.String(),
  runs: Type.Integer(),
});
export type CaseKind = Static<typeof CaseKind>;

/** Where a case's result in one run sits in history: the run, its commit, its start. */
export const caseInRun = {
  caseId: Type.Integer(),
  runId: Type.Integer(),
  commitSha: Nullable(Type.String()),
  commitSubject: Nullable(Type.String()),
  commitTime: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  /** The machine the run was measured on. */
  hostname: Type.String(),
  startedAt: Type.String(),
};

/** One case's stored result in one run: a point of its history, with every metric. */
export const CaseHistoryRow = Type.Object({
  ...caseInRun,
  modeledMean: Nullable(Type.Number()),
  wallP50: Nullable(Type.Number()),
  wallP99: Nullable(Type.Number()),
  /** The engine the case ran on; null in runs from before the engines (threads). */
  engine: Nullable(Type.String()),
});
export type CaseHistoryRow = Static<typeof CaseHistoryRow>;

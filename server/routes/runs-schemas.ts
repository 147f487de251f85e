/** What the runs routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { RunSummary } from '../../data/stored.js';

/**
 * A run id: at most 2^53 − 1, the largest integer a JSON number holds exactly — a 19-digit id
 * would be rounded before it was looked up ("no run 9223372036854776000").
 */
export const IdParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

export const CaseParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  caseId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

/**
 * The largest offset into the run list: a billion runs is past any store (a run per commit per
 * CI job), and the bound keeps the value an exact integer well inside SQLite's 64-bit OFFSET,
 * which 2^63 (9223372036854775807 read as a double) overflowed with a 500.
 */
export const MAX_RUNS_OFFSET = 1_000_000_000;
/** The most runs one page lists. */
export const MAX_RUNS_LIMIT = 1000;

export const RunsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RUNS_LIMIT, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RUNS_OFFSET, default: 0 })),
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    commit: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4,40}$' })),
    suite: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const RunList = Type.Object({ runs: Type.Array(RunSummary) });

/** Where a sweep stands: its shards that arrived, those missing, its run once merged. */
export const SweepStatus = Type.Object({
  id: Type.String(),
  shards: Type.Integer({ minimum: 1 }),
  arrived: Type.Array(Type.Integer({ minimum: 1 })),
  missing: Type.Array(Type.Integer({ minimum: 1 })),
  run: Type.Union([Type.Integer(), Type.Null()]),
});

/** A stored run; for the last shard of a sweep, the run the shards became, and the sweep. */
export const IngestResult = Type.Object({
  id: Type.Integer(),
  duplicate: Type.Boolean(),
  sweep: Type.Optional(SweepStatus),
});

/** A shard kept until its sweep is complete: not a run yet. */
export const ShardAccepted = Type.Object({ sweep: SweepStatus });

export const SweepParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) });

export const ExportQuery = Type.Object(
  {
    format: Type.Union([
      Type.Literal('json'),
      Type.Literal('csv'),
      Type.Literal('bmf'),
      Type.Literal('gab'),
    ]),
  },
  { additionalProperties: false },
);

/**
 * TypeBox schemas of the API: what every route accepts and answers. Fastify validates requests
 * with them and serialises responses through them (fields not in a response schema are dropped,
 * so free-form objects are declared as such).
 */
import { type Static, Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const FreeObject = Type.Record(Type.String(), Type.Unknown());

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const CaseParams = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  caseId: Type.Integer({ minimum: 1 }),
});

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  schemaVersion: Type.Integer(),
  runs: Type.Integer(),
});

export const RunsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    commit: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4,40}$' })),
  },
  { additionalProperties: false },
);

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
});
export const RunList = Type.Object({ runs: Type.Array(RunSummary) });

const Commit = Type.Object({
  sha: Type.String({ minLength: 4, maxLength: 64 }),
  branch: Nullable(Type.String({ maxLength: 255 })),
  dirty: Type.Boolean(),
  subject: Type.String({ maxLength: 4096 }),
  time: Type.String({ maxLength: 64 }),
});

const Host = Type.Object({
  hostname: Type.String({ maxLength: 255 }),
  cpuModel: Type.String({ maxLength: 255 }),
  cores: Type.Integer({ minimum: 1, maximum: 65536 }),
  os: Type.String({ maxLength: 255 }),
  nodeVersion: Type.String({ maxLength: 64 }),
});

const WallStats = Type.Object({
  p50: Type.Number(),
  p99: Type.Number(),
  mean: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
  rme: Nullable(Type.Number()),
  count: Type.Integer({ minimum: 0 }),
});

const ModeledStats = Type.Object({
  p50: Type.Number(),
  mean: Type.Number(),
  p99: Type.Number(),
  iterationMean: Type.Number(),
  remoteHandlerMean: Type.Number(),
});

const Oracle = Type.Object({
  checkedAccesses: Type.Integer({ minimum: 0 }),
  staleUses: Type.Integer({ minimum: 0 }),
  lostWrites: Type.Integer({ minimum: 0 }),
  // Absent or null in runs recorded before the rules existed.
  ackWindowViolations: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  freedTableWalks: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  firstViolation: Nullable(FreeObject),
});

const CaseCore = {
  key: Type.String({ minLength: 1, maxLength: 512 }),
  protocol: Type.String({ minLength: 1, maxLength: 64 }),
  workload: Type.String({ minLength: 1, maxLength: 64 }),
  cpus: Type.Integer({ minimum: 1, maximum: 256 }),
  pages: Type.Integer({ minimum: 1, maximum: 65536 }),
  profile: Type.String({ minLength: 1, maxLength: 255 }),
  status: Type.Union([
    Type.Literal('completed'),
    Type.Literal('violated'),
    Type.Literal('errored'),
  ]),
  error: Nullable(
    Type.Object({
      code: Type.String({ maxLength: 128 }),
      message: Type.String({ maxLength: 65536 }),
    }),
  ),
  wallNs: Nullable(WallStats),
  modeledCycles: Nullable(ModeledStats),
  counters: Nullable(Type.Record(Type.String(), Type.Number())),
  oracle: Nullable(Oracle),
  samplesTotal: Type.Integer({ minimum: 0 }),
};

export const StoredCase = Type.Object({
  id: Type.Integer(),
  ...CaseCore,
  hasTrace: Type.Boolean(),
});

const RunCore = {
  uuid: Type.String({ minLength: 1, maxLength: 64 }),
  commit: Nullable(Commit),
  startedAt: Type.String({ maxLength: 64 }),
  endedAt: Type.String({ maxLength: 64 }),
  host: Host,
  flushbenchVersion: Type.String({ maxLength: 64 }),
  suite: Type.String({ minLength: 1, maxLength: 64 }),
  profile: Type.String({ minLength: 1, maxLength: 255 }),
  config: FreeObject,
};

export const StoredRun = Type.Object({
  id: Type.Integer(),
  ...RunCore,
  cases: Type.Array(StoredCase),
});

/** The body of POST /api/runs: the shape `flushbench export --format json` writes. */
export const RunRecordBody = Type.Object(
  {
    ...RunCore,
    cases: Type.Array(
      Type.Object({
        ...CaseCore,
        samplesNs: Type.Array(Type.Number(), { maxItems: 100_000 }),
        modeledCyclesSamples: Type.Array(Type.Number(), { maxItems: 100_000 }),
        trace: Nullable(
          Type.Object({ events: Type.Array(FreeObject), steps: Nullable(Type.Array(FreeObject)) }),
        ),
      }),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);
export type RunRecordBody = Static<typeof RunRecordBody>;

export const IngestResult = Type.Object({ id: Type.Integer(), duplicate: Type.Boolean() });

export const Samples = Type.Object({
  caseId: Type.Integer(),
  samplesNs: Type.Array(Type.Number()),
  modeledCyclesSamples: Type.Array(Type.Number()),
  total: Type.Integer(),
});

export const Trace = Type.Object({
  events: Type.Array(FreeObject),
  steps: Nullable(Type.Array(FreeObject)),
});

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

const Ref = Type.String({ minLength: 1, maxLength: 255 });

export const CompareQuery = Type.Object(
  {
    base: Type.Optional(Ref),
    head: Type.Optional(Ref),
    metric: Type.Optional(
      Type.Union([Type.Literal('modeled'), Type.Literal('wall'), Type.Literal('both')]),
    ),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

const Side = Type.Object({
  id: Type.Integer(),
  commit: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  branch: Nullable(Type.String()),
});
const Verdict = Type.Union([
  Type.Literal('faster'),
  Type.Literal('slower'),
  Type.Literal('same'),
  Type.Literal('new'),
  Type.Literal('missing'),
  Type.Literal('failed'),
]);
const MetricComparison = Type.Object({
  base: Type.Number(),
  head: Type.Number(),
  changePct: Type.Number(),
  verdict: Verdict,
});

export const Comparison = Type.Object({
  base: Side,
  head: Side,
  metric: Type.String(),
  modeledThresholdPct: Type.Number(),
  wallThresholdPct: Type.Number(),
  alpha: Type.Number(),
  cases: Type.Array(
    Type.Object({
      key: Type.String(),
      verdict: Verdict,
      modeled: Nullable(MetricComparison),
      wall: Nullable(
        Type.Object({ ...MetricComparison.properties, p: Type.Number(), pAdjusted: Type.Number() }),
      ),
      note: Type.Optional(Type.String()),
    }),
  ),
  regressions: Type.Integer(),
  improvements: Type.Integer(),
  failures: Type.Integer(),
  failed: Type.Boolean(),
});

export const HistoryQuery = Type.Object(
  {
    protocol: Type.String({ minLength: 1, maxLength: 64 }),
    cpus: Type.Integer({ minimum: 1, maximum: 256 }),
    pages: Type.Integer({ minimum: 1, maximum: 65536 }),
    workload: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'madvise' })),
    profile: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, default: 'xeon-gold-5418y-2s' }),
    ),
    metric: Type.Optional(
      Type.Union([Type.Literal('modeled'), Type.Literal('wall-p50'), Type.Literal('wall-p99')], {
        default: 'modeled',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  },
  { additionalProperties: false },
);

export const History = Type.Object({
  key: Type.String(),
  metric: Type.String(),
  points: Type.Array(
    Type.Object({
      runId: Type.Integer(),
      caseId: Type.Integer(),
      commitSha: Nullable(Type.String()),
      commitSubject: Nullable(Type.String()),
      commitTime: Nullable(Type.String()),
      branch: Nullable(Type.String()),
      startedAt: Type.String(),
      value: Type.Number(),
      regression: Type.Boolean(),
    }),
  ),
});

export const CaseKinds = Type.Object({
  cases: Type.Array(
    Type.Object({
      key: Type.String(),
      protocol: Type.String(),
      workload: Type.String(),
      cpus: Type.Integer(),
      pages: Type.Integer(),
      profile: Type.String(),
      runs: Type.Integer(),
    }),
  ),
});

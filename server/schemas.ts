/**
 * TypeBox schemas the routes share: the error body and the run record as stored and uploaded;
 * each route group's own schemas live beside it (routes/*-schemas.ts). Fastify validates requests
 * with them and serialises responses through them (fields not in a response schema are dropped,
 * so free-form objects are declared as such).
 */
import { type Static, Type } from 'typebox';

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const FreeObject = Type.Record(Type.String(), Type.Unknown());

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

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

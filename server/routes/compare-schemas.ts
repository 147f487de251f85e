/** What the compare routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { Nullable } from '../schemas.js';

export const Ref = Type.String({ minLength: 1, maxLength: 255 });

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

export const Side = Type.Object({
  id: Type.Integer(),
  commit: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  branch: Nullable(Type.String()),
});

export const Verdict = Type.Union([
  Type.Literal('faster'),
  Type.Literal('slower'),
  Type.Literal('same'),
  Type.Literal('new'),
  Type.Literal('missing'),
  Type.Literal('failed'),
]);

export const MetricComparison = Type.Object({
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

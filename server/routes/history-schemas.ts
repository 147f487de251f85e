/** What the history routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { Nullable } from '../schemas.js';

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

/** What the history routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { HISTORY_METRICS } from '../../data/history-points.js';
import { MAX_CASE_CPUS } from '../../data/run-record.js';

export const HistoryQuery = Type.Object(
  {
    protocol: Type.String({ minLength: 1, maxLength: 64 }),
    cpus: Type.Integer({ minimum: 1, maximum: MAX_CASE_CPUS }),
    pages: Type.Integer({ minimum: 1, maximum: 65536 }),
    workload: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'madvise' })),
    profile: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, default: 'xeon-gold-5418y-2s' }),
    ),
    metric: Type.Optional(
      Type.Union(
        HISTORY_METRICS.map((m) => Type.Literal(m)),
        { default: 'modeled' },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    /** Only runs of this branch, or of this host; every branch or host when absent. */
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);

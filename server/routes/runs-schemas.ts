/** What the runs routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { RunSummary } from '../../data/stored.js';

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const CaseParams = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  caseId: Type.Integer({ minimum: 1 }),
});

export const RunsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    commit: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4,40}$' })),
    suite: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const RunList = Type.Object({ runs: Type.Array(RunSummary) });

export const IngestResult = Type.Object({ id: Type.Integer(), duplicate: Type.Boolean() });

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

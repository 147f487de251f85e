/** What the compare routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { METRICS } from '../../data/comparison.js';

export const Ref = Type.String({ minLength: 1, maxLength: 255 });

export const CompareQuery = Type.Object(
  {
    base: Type.Optional(Ref),
    head: Type.Optional(Ref),
    metric: Type.Optional(Type.Union(METRICS.map((m) => Type.Literal(m)))),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  },
  { additionalProperties: false },
);

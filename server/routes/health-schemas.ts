/** What the health routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  schemaVersion: Type.Integer(),
  runs: Type.Integer(),
});

/** What the cases routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';

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

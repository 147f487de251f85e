/** What the cases routes accept and answer (TypeBox; Fastify validates and serialises with them). */
import { Type } from 'typebox';
import { CaseKind } from '../../data/stored.js';

export const CaseKinds = Type.Object({ cases: Type.Array(CaseKind) });

/** What the protocols route answers (TypeBox; Fastify serialises with it). */
import { type Static, Type } from 'typebox';
import { Nullable } from '../../data/run-record.js';

/**
 * A protocol as the dashboard needs it: its name, what it is, its role and colour, and if a
 * control, what it breaks.
 */
export const ProtocolInfo = Type.Object({
  name: Type.String(),
  summary: Type.String(),
  role: Type.Union([
    Type.Literal('baseline'),
    Type.Literal('headline'),
    Type.Literal('candidate'),
    Type.Literal('historical'),
    Type.Literal('control'),
  ]),
  color: Type.String({ pattern: '^#[0-9a-f]{6}$' }),
  control: Nullable(
    Type.Object({
      breaks: Type.String(),
      caughtBy: Type.String(),
    }),
  ),
});
export type ProtocolInfo = Static<typeof ProtocolInfo>;

export const ProtocolList = Type.Object({ protocols: Type.Array(ProtocolInfo) });
export type ProtocolList = Static<typeof ProtocolList>;

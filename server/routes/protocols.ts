/**
 * GET /api/protocols: the protocol table of this flushbench, in its order (the baseline first,
 * the negative controls last), with each row's role and colour, so the dashboard learns which
 * protocol is the baseline, which it leads its verdict with, which are controls, how to colour and
 * order them from the table itself rather than from a copy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PROTOCOL_TRAITS, PROTOCOLS } from '../../sim/index.js';
import { type ProtocolList as List, ProtocolList } from './protocols-schemas.js';

const LIST: List = {
  protocols: PROTOCOLS.map((name) => {
    const { summary, role, color, control } = PROTOCOL_TRAITS[name];
    return {
      name,
      summary,
      role,
      color,
      control: control && { breaks: control.breaks, caughtBy: control.caughtBy },
    };
  }),
};

export const protocolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/protocols', { schema: { response: { 200: ProtocolList } } }, async () => LIST);
};

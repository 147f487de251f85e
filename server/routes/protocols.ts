/**
 * GET /api/protocols: the protocol table of this flushbench, in its order (the baseline first,
 * the negative controls last), so the dashboard learns which protocols are controls and how to
 * order them from the table itself rather than from a copy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PROTOCOL_TRAITS, PROTOCOLS } from '../../sim/index.js';
import { type ProtocolList as List, ProtocolList } from './protocols-schemas.js';

const LIST: List = {
  protocols: PROTOCOLS.map((name) => {
    const { summary, control } = PROTOCOL_TRAITS[name];
    return {
      name,
      summary,
      control: control && { breaks: control.breaks, caughtBy: control.caughtBy },
    };
  }),
};

export const protocolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/protocols', { schema: { response: { 200: ProtocolList } } }, async () => LIST);
};

/** Every case measured in any run: what a history can be drawn for. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendCached } from '../response-cache.js';
import { CaseKinds } from './cases-schemas.js';

export const caseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/cases', { schema: { response: { 200: CaseKinds } } }, async (_req, reply) =>
    sendCached(reply, app.cache, 'cases', () => ({ cases: app.store.listCaseKinds() })),
  );
};

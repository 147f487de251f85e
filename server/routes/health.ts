import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VERSION } from '../../common/version.js';
import { SCHEMA_VERSION } from '../../data/schema.js';
import { Health } from './health-schemas.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', { schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: VERSION,
    schemaVersion: SCHEMA_VERSION,
    runs: app.store.countRuns(),
  }));
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { caseHistory } from '../../data/history.js';
import { History, type HistoryMetric } from '../../data/history-points.js';
import { caseKey } from '../../data/run-record.js';
import { sendCached } from '../response-cache.js';
import { ErrorBody } from '../schemas.js';
import { HistoryQuery } from './history-schemas.js';

export const historyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/history',
    { schema: { querystring: HistoryQuery, response: { 200: History, 400: ErrorBody } } },
    async (req, reply) => {
      const q = req.query;
      const key = caseKey({
        protocol: q.protocol,
        workload: q.workload ?? 'madvise',
        cpus: q.cpus,
        pages: q.pages,
        profile: q.profile ?? 'xeon-gold-5418y-2s',
      });
      const metric = (q.metric ?? 'modeled') as HistoryMetric;
      const limit = q.limit ?? 50;
      const filter = { branch: q.branch ?? null, host: q.host ?? null };
      const cacheKey = `history ${key} ${metric} ${limit} ${JSON.stringify(filter)}`;
      return sendCached(reply, app.cache, cacheKey, () => ({
        key,
        metric,
        ...filter,
        ...app.store.caseHistorySources(key),
        points: caseHistory(app.store, key, metric, limit, filter),
      }));
    },
  );
};

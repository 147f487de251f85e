import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { judgeComparison, resolveSides } from '../../data/compare.js';
import { Comparison } from '../../data/comparison.js';
import { UnknownRefError } from '../../data/store.js';
import { isServerBusy, notFound } from '../api-error.js';
import { RETRY_AFTER_S } from '../compare-statistics.js';
import { sendCached } from '../response-cache.js';
import { ErrorBody } from '../schemas.js';
import { CompareQuery } from './compare-schemas.js';

/** Comparisons a client may start per minute; answers from kept statistics are not counted. */
export const COMPUTED_COMPARES_PER_MINUTE = 30;

/** The same implementation as `flushbench compare`. */
export const compareRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const sides = (query: { base?: string; head?: string }) =>
    resolveSides(app.store, query, (side) => side);
  /** A query asked before, with nothing stored since: its serialised answer, kept. */
  const keyOf = (query: unknown) => `compare ${JSON.stringify(query)}`;

  app.get(
    '/compare',
    {
      config: {
        rateLimit: {
          max: app.comparesPerMinute,
          // After validation, so that the refs can be resolved: a pair whose statistics are kept
          // or being computed costs nothing and is not counted.
          hook: 'preHandler',
          allowList: (req) => {
            if (app.cache.peek(keyOf(req.query)) !== undefined) return true;
            try {
              const { baseId, headId } = sides(req.query as { base?: string; head?: string });
              return app.compareStatistics.isFree(baseId, headId);
            } catch {
              return false;
            }
          },
        },
      },
      schema: {
        querystring: CompareQuery,
        response: {
          200: Comparison,
          400: ErrorBody,
          404: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const key = keyOf(req.query);
      const kept = app.cache.peek<string>(key);
      // Sent as is: already serialised through the response schema.
      if (kept !== undefined)
        return reply.type('application/json; charset=utf-8').send(kept as never);
      const { base, head, metric, threshold, alpha } = req.query;
      let pair: { baseId: number; headId: number };
      try {
        pair = sides({ base, head });
      } catch (err) {
        if (err instanceof UnknownRefError) throw notFound(err.message);
        throw err;
      }
      const opts = { metric, threshold, alpha };
      try {
        const stats = app.compareStatistics.get(pair.baseId, pair.headId);
        if (stats instanceof Promise) return judgeComparison(await stats, opts);
        return sendCached(reply, app.cache, key, () => judgeComparison(stats, opts));
      } catch (err) {
        if (isServerBusy(err)) {
          reply.header('retry-after', String(RETRY_AFTER_S));
        }
        throw err;
      }
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { compareRuns, resolveSides } from '../../data/compare.js';
import { Comparison } from '../../data/comparison.js';
import { UnknownRefError } from '../../data/store.js';
import { notFound } from '../api-error.js';
import { sendCached } from '../response-cache.js';
import { ErrorBody } from '../schemas.js';
import { CompareQuery } from './compare-schemas.js';

/** The same implementation as `flushbench compare`. */
export const compareRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/compare',
    {
      schema: {
        querystring: CompareQuery,
        response: { 200: Comparison, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { base, head, metric, threshold, alpha } = req.query;
      try {
        return sendCached(reply, app.cache, `compare ${JSON.stringify(req.query)}`, () => {
          const { baseId, headId } = resolveSides(app.store, { base, head }, (side) => side);
          return compareRuns(app.store, baseId, headId, { metric, threshold, alpha });
        });
      } catch (err) {
        if (err instanceof UnknownRefError) throw notFound(err.message);
        throw err;
      }
    },
  );
};

/**
 * The JSON body parser: Fastify's own (secure-json-parse, which refuses `__proto__` and
 * `constructor.prototype` keys) behind the two checks of common/json-limits.ts — depth before
 * parsing (5,000 nested arrays overflowed the stack: a 500), finiteness after.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createError } from '../common/errors.js';
import { MAX_JSON_DEPTH, nonFinitePath, tooDeepAt } from '../common/json-limits.js';

/** Replaces Fastify's application/json parser with the checked one. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (req: FastifyRequest, text: string | Buffer, done) => {
      const body = String(text);
      const at = tooDeepAt(body, MAX_JSON_DEPTH);
      if (at >= 0) {
        done(createError('BODY_TOO_DEEP', [MAX_JSON_DEPTH, at]));
        return;
      }
      parse(req, body, (err, parsed) => {
        if (err) return done(err);
        const path = nonFinitePath(parsed, 'body');
        if (path !== null) {
          return done(
            createError('INVALID_REQUEST', [
              `${path} must be a finite number (got a number beyond ±1.8e308, which JSON.parse reads as Infinity)`,
            ]),
          );
        }
        done(null, parsed);
      });
    },
  );
}

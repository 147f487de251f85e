/**
 * The JSON body parser: Fastify's own (secure-json-parse, which refuses `__proto__` and
 * `constructor.prototype` keys) behind two checks of what JSON.parse lets through.
 *
 * - Depth, before parsing: JSON.parse, the schema check and the store all recurse once per
 *   level, and a body of 5,000 nested arrays overflowed the stack (a 500). A run record nests
 *   about six levels (run → cases → case → kernel → context → flags; a validate run's config →
 *   measurements → points → point), so the limit is ten times that.
 * - Finiteness, after: JSON has no Infinity, but JSON.parse reads `1e400` as Infinity, and the
 *   free-form parts of a run (its config) have no schema that would refuse it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../common/errors.js';
import { ApiError } from './api-error.js';

/** Arrays and objects inside one another, at most: ten times what a real run record needs. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/** The offset of the first bracket past the limit, or -1: one pass, no recursion. */
function tooDeepAt(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      if (++depth > limit) return i;
    } else if (CLOSE.has(c)) depth--;
  }
  return -1;
}

/** The path of the first number that is not finite, as a JSON pointer, or null. */
function nonFinitePath(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, v] of Object.entries(value)) {
    const found = nonFinitePath(v, `${path}/${key}`);
    if (found !== null) return found;
  }
  return null;
}

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
        done(
          new ApiError(
            ErrorCodes.BODY_TOO_DEEP,
            `body must nest arrays and objects at most ${MAX_JSON_DEPTH} deep (got deeper at byte ${at})`,
          ),
        );
        return;
      }
      parse(req, body, (err, parsed) => {
        if (err) return done(err);
        const path = nonFinitePath(parsed, 'body');
        if (path !== null) {
          return done(
            new ApiError(
              ErrorCodes.INVALID_REQUEST,
              `${path} must be a finite number (got a number beyond ±1.8e308, which JSON.parse reads as Infinity)`,
            ),
          );
        }
        done(null, parsed);
      });
    },
  );
}

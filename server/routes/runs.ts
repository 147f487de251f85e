/** Runs: list, one run, a case's samples and trace, export, and ingest from other machines. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createError } from '../../common/errors.js';
import { RunRecord, Trace } from '../../data/run-record.js';
import { runRulesProblem } from '../../data/run-record-check.js';
import { Samples, StoredRun } from '../../data/stored.js';
import { notFound } from '../api-error.js';
import { sendCached } from '../response-cache.js';
import { ErrorBody } from '../schemas.js';
import {
  CaseParams,
  ExportQuery,
  IdParams,
  IngestResult,
  RunList,
  RunsQuery,
  ShardAccepted,
  SweepParams,
  SweepStatus,
} from './runs-schemas.js';

const CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  bmf: 'application/json; charset=utf-8',
  gab: 'application/json; charset=utf-8',
} as const;

/** Compares tokens in constant time: digests first, so lengths do not leak either. */
function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const errors = { 400: ErrorBody, 404: ErrorBody };

/**
 * A Content-Disposition for a file name: an ASCII fallback with anything but letters, digits,
 * dot, underscore and hyphen replaced, and the exact name encoded (RFC 6266, RFC 8187). Uploads
 * have such uuids only, but a store written before the rule may hold any.
 */
export function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * A write's refusals in the API's shape: a shard stored twice (409), shards not one sweep (400),
 * a full disk (507; the transaction rolled back, nothing of the upload was written).
 */
function storeError<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    // SHARD_EXISTS and INVALID_SWEEP are the registry's already: the error handler answers them.
    if ((err as { code?: string }).code === 'SQLITE_FULL') throw createError('STORAGE_FULL', []);
    throw err;
  }
}
/** Exports a client may ask for per minute. */
const EXPORTS_PER_MINUTE = 60;
/** Case samples a client may ask for per minute (the Case view asks one per case it shows). */
const SAMPLES_PER_MINUTE = 600;

export const runRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/runs',
    { schema: { querystring: RunsQuery, response: { 200: RunList, 400: ErrorBody } } },
    async (req, reply) =>
      sendCached(reply, app.cache, `runs ${JSON.stringify(req.query)}`, () => ({
        runs: app.store.listRuns(req.query),
      })),
  );

  app.get(
    '/runs/:id',
    { schema: { params: IdParams, response: { 200: StoredRun, ...errors } } },
    async (req) => {
      const run = app.cache.get(`run ${req.params.id}`, () => app.store.getRun(req.params.id));
      if (!run) throw notFound(`no run ${req.params.id}`);
      return run;
    },
  );

  function caseOf(runId: number, caseId: number) {
    const run = app.store.getRun(runId);
    if (!run) throw notFound(`no run ${runId}`);
    const c = run.cases.find((x) => x.id === caseId);
    if (!c) throw notFound(`run ${runId} has no case ${caseId}`);
    return c;
  }

  app.get(
    '/runs/:id/cases/:caseId/samples',
    {
      // A case's samples are up to 100,000 numbers each: bounded per client like exports.
      config: { rateLimit: { max: SAMPLES_PER_MINUTE } },
      schema: { params: CaseParams, response: { 200: Samples, ...errors, 429: ErrorBody } },
    },
    async (req) => {
      caseOf(req.params.id, req.params.caseId);
      const s = app.store.getSamples(req.params.caseId) ?? {
        samplesNs: [],
        modeledCyclesSamples: [],
        total: 0,
      };
      return { caseId: req.params.caseId, ...s };
    },
  );

  app.get(
    '/runs/:id/cases/:caseId/trace',
    { schema: { params: CaseParams, response: { 200: Trace, ...errors } } },
    async (req) => {
      const c = caseOf(req.params.id, req.params.caseId);
      const trace = c.hasTrace ? app.store.getTrace(c.id) : null;
      if (!trace)
        throw notFound(
          `case ${c.id} of run ${req.params.id} was not traced (run the bench with --trace)`,
        );
      return trace;
    },
  );

  app.get(
    '/runs/:id/export',
    {
      // A whole run with every sample (made once, but sent whole each time): a per-client limit.
      config: { rateLimit: { max: EXPORTS_PER_MINUTE } },
      schema: {
        params: IdParams,
        querystring: ExportQuery,
        response: { ...errors, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const uuid = app.store.uuidOf(req.params.id);
      if (uuid === null) throw notFound(`no run ${req.params.id}`);
      const { format } = req.query;
      const ext = format === 'csv' ? 'csv' : 'json';
      // Made once per run and format, off the event loop (export-cache.ts).
      const bytes = await app.exports.get(req.params.id, format);
      reply.header('content-type', CONTENT_TYPES[format]);
      reply.header('content-disposition', attachment(`flushbench-run-${uuid}-${format}.${ext}`));
      // A file, not a JSON value: sent as is, never through the JSON serializer.
      return reply.send(bytes as never);
    },
  );

  app.get(
    '/sweeps/:id',
    { schema: { params: SweepParams, response: { 200: SweepStatus, ...errors } } },
    async (req) => {
      const status = app.store.sweepStatus(req.params.id);
      if (status === null) throw notFound(`no shard of sweep ${req.params.id} is stored`);
      return status;
    },
  );

  app.post(
    '/runs',
    {
      config: { rateLimit: {} },
      schema: {
        security: [{ bearer: [] }],
        body: RunRecord,
        response: {
          200: IngestResult,
          201: IngestResult,
          202: ShardAccepted,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          409: ErrorBody,
          429: ErrorBody,
          507: ErrorBody,
        },
      },
      // Authenticate before the body is validated: a stranger learns nothing about the schema.
      onRequest: async (req, reply) => {
        if (app.ingestToken === null) {
          throw createError('INGEST_DISABLED', []);
        }
        // An address that failed too often waits, whatever it sends now.
        const wait = app.authFailures.blockedFor(req.ip);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          throw createError('RATE_LIMITED', [
            'failed authentications from this address',
            app.authFailures.max,
            `${wait} s`,
          ]);
        }
        const header = req.headers.authorization ?? '';
        const m = /^Bearer (\S+)$/.exec(header);
        if (!m) {
          app.authFailures.fail(req.ip);
          throw createError('UNAUTHORIZED', ['none was sent']);
        }
        if (!tokenMatches(m[1], app.ingestToken)) {
          app.authFailures.fail(req.ip);
          throw createError('UNAUTHORIZED', ['the token is not valid']);
        }
      },
    },
    async (req, reply) => {
      const run = req.body;
      const problem = runRulesProblem(run, 'body');
      if (problem !== null) throw createError('BAD_REQUEST', [problem]);
      // A shard of a sweep waits for the others; the last one makes them one run (202, then 201).
      if (run.sweep !== undefined && run.sweep.shard !== null) {
        const status = storeError(() => app.store.addShard(run));
        if (status.run === null) return reply.code(202).send({ sweep: status });
        app.cache.invalidate();
        return reply.code(201).send({ id: status.run, duplicate: false, sweep: status });
      }
      const known = app.store.runIdByUuid(run.uuid);
      if (known !== null) return reply.code(200).send({ id: known, duplicate: true });
      try {
        const id = storeError(() => app.store.insertRun(run));
        app.cache.invalidate();
        return reply.code(201).send({ id, duplicate: false });
      } catch (err) {
        // The same run uploaded twice at once: the unique index let one in.
        const again = app.store.runIdByUuid(run.uuid);
        if (again !== null) return reply.code(200).send({ id: again, duplicate: true });
        throw err;
      }
    },
  );
};

/**
 * The flushbench server: a JSON API over the run store and the dashboard's static files.
 * `buildApp` returns the Fastify instance without listening (tests use `inject()`); `serve`
 * in main.ts listens.
 */
import type { Socket } from 'node:net';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  createError,
  errorKindOf,
  type FlushbenchError,
  isFlushbenchError,
} from '../common/errors.js';
import { CASE_STATUSES } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { refuseOtherHosts } from './allowed-hosts.js';
import { answerOf, isServerBusy, notFound } from './api-error.js';
import { AuthFailures } from './auth-failures.js';
import { CompareStatisticsCache } from './compare-statistics.js';
import { ExportCache } from './export-cache.js';
import { registerJsonBodyParser } from './json-body.js';
import { openApiRoute, registerOpenApi } from './openapi.js';
import { ResponseCache } from './response-cache.js';
import { caseRoutes } from './routes/cases.js';
import { COMPUTED_COMPARES_PER_MINUTE, compareRoutes } from './routes/compare.js';
import { healthRoutes } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { profileRoutes } from './routes/profiles.js';
import { protocolRoutes } from './routes/protocols.js';
import { runRoutes } from './routes/runs.js';
import { staticRoutes } from './routes/static.js';
import { compileValidator } from './validators.js';

export interface AppOptions {
  /**
   * The SQLite file. With a token (uploads on) it is created and migrated when missing; without,
   * it must exist and is only read.
   */
  dbFile: string;
  /** The bearer token POST /api/runs requires; without one, ingest is refused (403). */
  token?: string | null;
  /**
   * Fastify's logger: false (the default here, for tests) or its options. `serve` logs at warn
   * to stderr, so that a 500 (which the client is told only happened) can be traced.
   */
  logger?: false | { level: string; stream?: { write(line: string): unknown } };
  /**
   * Host header values the server answers (ports ignored); any other gets 421. Unset or empty:
   * every Host.
   */
  allowedHosts?: readonly string[] | null;
  /** Largest request body, bytes (an uploaded run with its samples). */
  bodyLimitBytes?: number;
  /** Uploads allowed per client per minute. */
  ingestPerMinute?: number;
  /** Comparisons a client may start per minute (answers from kept statistics are free). */
  comparesPerMinute?: number;
  /** Comparisons computed at once; a new one beyond is answered 503 (default: cores − 1). */
  comparesRunning?: number;
}

/** A run of the default suite with 10,000 samples per case is ≈ 15 MB of JSON. */
const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
const DEFAULT_INGEST_PER_MINUTE = 30;
/** Failed authentications one address may make per minute before it is answered 429. */
const AUTH_FAILURES_PER_MINUTE = 20;

/** The longest path parameter the router takes (find-my-way's default, set here to be named). */
const MAX_PARAM_LENGTH = 100;

/** The registry's row for a client error Fastify or a plugin raised with this status. */
const CLIENT_ERRORS_BY_STATUS: ReadonlyMap<number, 'BAD_REQUEST' | 'UNSUPPORTED_MEDIA_TYPE'> =
  new Map([
    [400, 'BAD_REQUEST'],
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
  ]);

/**
 * Every error the API answers, as a row of the registry: ours as they were made (createError),
 * Fastify's and its plugins' own (a body that is not JSON, an unsupported content type, a static
 * path that climbs out of its folder) as the row for their status, so that a client handles one
 * set of codes, each with one status. Anything else is the server's own fault: INTERNAL, told
 * nothing more.
 */
function apiErrorOf(err: FastifyError, req: FastifyRequest, bodyLimit: number): FlushbenchError {
  // The client's to hear: bad input and the server's refusals. A failed run or store is ours.
  const kind = isFlushbenchError(err) ? errorKindOf(err.code)!.kind : null;
  if (kind === 'input' || kind === 'http') return err as FlushbenchError;
  if (err.validation) return createError('INVALID_REQUEST', [describeValidation(err, req)]);
  const status = err.statusCode;
  if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return createError('BODY_TOO_LARGE', [bodyLimit]);
  }
  // A path out of the static folder (403 from @fastify/static) names no file: 404.
  if (status === 403 || status === 404) return notFound(`no file ${req.url}`);
  if (status !== undefined && status >= 400 && status < 500) {
    return createError(CLIENT_ERRORS_BY_STATUS.get(status) ?? 'BAD_REQUEST', [err.message]);
  }
  return createError('INTERNAL', []);
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    cache: ResponseCache;
    compareStatistics: CompareStatisticsCache;
    comparesPerMinute: number;
    ingestToken: string | null;
    /** Failed authentications per client address (server/auth-failures.ts). */
    authFailures: AuthFailures;
    /** Exports made once per run and format, off the event loop (server/export-cache.ts). */
    exports: ExportCache;
    /** Every API route as registered (method and URL), which /openapi.json must describe. */
    apiRoutes: { method: string; url: string }[];
  }
}

export type App = FastifyInstance;

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own refusals, in the registry's shape like every other.
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = answerOf(
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? createError('URI_TOO_LONG', [MAX_PARAM_LENGTH])
          : err.code === 'FST_ERR_BAD_URL'
            ? createError('BAD_REQUEST', [err.message])
            : createError('INTERNAL', []),
      );
      void (reply as FastifyReply).code(status).send(body);
    },
    // Node's HTTP parser refuses a request before Fastify sees it (headers past 16 KiB, a
    // malformed request line): answered here, in the registry's shape, then the socket closes.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const { status, body: answer } = answerOf(
        tooLarge
          ? createError('HEADERS_TOO_LARGE', [])
          : createError('BAD_REQUEST', ['the request is not valid HTTP']),
      );
      const body = JSON.stringify(answer);
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      } else socket.destroy();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Bodies are checked without coercion, query strings and params as text (validators.ts).
  app.setValidatorCompiler(compileValidator);
  registerJsonBodyParser(app);
  // Every body the API takes is JSON: text is a 415, not a string the schema then refuses.
  app.removeContentTypeParser('text/plain');
  if (opts.allowedHosts && opts.allowedHosts.length > 0) refuseOtherHosts(app, opts.allowedHosts);

  // Without uploads the server only reads: it opens the file read-only and creates nothing.
  const store = opts.token ? Store.open(opts.dbFile) : Store.openRead(opts.dbFile, { live: true });
  app.decorate('store', store);
  app.decorate('cache', new ResponseCache(store));
  app.decorate('compareStatistics', new CompareStatisticsCache(store, opts.comparesRunning));
  app.decorate('comparesPerMinute', opts.comparesPerMinute ?? COMPUTED_COMPARES_PER_MINUTE);
  app.decorate('ingestToken', opts.token ? opts.token : null);
  app.decorate('authFailures', new AuthFailures(AUTH_FAILURES_PER_MINUTE, 60_000));
  app.decorate('exports', new ExportCache(store));
  app.addHook('onClose', async () => store.close());

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(rateLimit, {
    global: false,
    max: opts.ingestPerMinute ?? DEFAULT_INGEST_PER_MINUTE,
    timeWindow: 60_000,
    errorResponseBuilder: (req, ctx) =>
      createError('RATE_LIMITED', [
        req.method === 'POST'
          ? 'uploads'
          : `requests to ${req.routeOptions.url} that must be computed`,
        `${ctx.max} per client`,
        ctx.after,
      ]),
  });

  const bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = answerOf(apiErrorOf(err, req, bodyLimit));
    // Anything not the client's is ours: log it whole, tell the client only that it happened.
    if (status >= 500 && !isServerBusy(err)) req.log.error(err);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = answerOf(notFound(`no route ${req.method} ${req.url.split('?')[0]}`));
    return reply.code(status).send(body);
  });

  app.decorate('apiRoutes', []);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.apiRoutes.push({ method, url: route.url });
    }
  });
  await registerOpenApi(app);
  await app.register(healthRoutes, { prefix: '/api' });
  await app.register(runRoutes, { prefix: '/api' });
  await app.register(compareRoutes, { prefix: '/api' });
  await app.register(historyRoutes, { prefix: '/api' });
  await app.register(caseRoutes, { prefix: '/api' });
  await app.register(protocolRoutes, { prefix: '/api' });
  await app.register(profileRoutes, { prefix: '/api' });
  await app.register(staticRoutes);
  openApiRoute(app);
  return app;
}

/**
 * "querystring/format must be one of json, csv, bmf, gab (got "yaml")": the parameter, the rule
 * and the value, like the CLI's messages.
 */
function describeValidation(err: FastifyError, req: FastifyRequest): string {
  const context = err.validationContext ?? 'request';
  const errors = err.validation ?? [];
  const first = errors[0];
  let path = first?.instancePath ?? '';
  const allowed = errors
    .filter((e) => e.keyword === 'const')
    .map((e) => (e.params as { allowedValue: unknown }).allowedValue);
  let rule =
    allowed.length > 0
      ? `must be one of ${allowed.join(', ')}`
      : (first?.message ?? 'is not valid');
  if (first?.keyword === 'discriminator') {
    // A union's tag that names no arm: report the tag itself, like any other bad value (its
    // value is added below, found at the tag's path).
    const { tag } = first.params as { tag: string };
    path = `${path}/${tag}`;
    rule = tag === 'status' ? `must be one of ${CASE_STATUSES.join(', ')}` : `${first.message}`;
  }
  const sources: Record<string, unknown> = {
    querystring: req.query,
    params: req.params,
    body: req.body,
    headers: req.headers,
  };
  const value = valueAt(sources[context], path);
  const got =
    value === undefined || (typeof value === 'object' && value !== null)
      ? ''
      : ` (got ${quoted(value)})`;
  return `${context}${path} ${rule}${got}`;
}

/** The longest value a message quotes whole: enough for any real parameter, not a whole body. */
const MAX_QUOTED_CHARS = 80;

function quoted(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= MAX_QUOTED_CHARS
    ? text
    : `${text.slice(0, MAX_QUOTED_CHARS)}… (${text.length} characters)`;
}

/** The value a JSON pointer names in a request part (own properties only), or undefined. */
function valueAt(source: unknown, pointer: string): unknown {
  let value = source;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

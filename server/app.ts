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
import { ERRORS, ErrorCodes } from '../common/errors.js';
import { CASE_STATUSES } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { refuseOtherHosts } from './allowed-hosts.js';
import { ApiError } from './api-error.js';
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

/** The registry's code for a client error Fastify or a plugin raised with this status. */
const CLIENT_ERRORS_BY_STATUS: ReadonlyMap<number, (typeof ERRORS)[keyof typeof ERRORS]> = new Map<
  number,
  (typeof ERRORS)[keyof typeof ERRORS]
>([
  [400, ERRORS.BAD_REQUEST],
  [403, ERRORS.NOT_FOUND],
  [404, ERRORS.NOT_FOUND],
  [413, ERRORS.BODY_TOO_LARGE],
  [414, ERRORS.URI_TOO_LONG],
  [415, ERRORS.UNSUPPORTED_MEDIA_TYPE],
  [431, ERRORS.HEADERS_TOO_LARGE],
]);

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
    // The router's own refusals, in the registry's shape like every other.
    frameworkErrors: (err, _req, reply) => {
      const e =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? ERRORS.URI_TOO_LONG
          : err.code === 'FST_ERR_BAD_URL'
            ? ERRORS.BAD_REQUEST
            : ERRORS.INTERNAL;
      void (reply as FastifyReply)
        .code(e.httpStatus)
        .send({ error: { code: e.code, message: err.message } });
    },
    // Node's HTTP parser refuses a request before Fastify sees it (headers past 16 KiB, a
    // malformed request line): answered here, in the registry's shape, then the socket closes.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      const e = err.code === 'HPE_HEADER_OVERFLOW' ? ERRORS.HEADERS_TOO_LARGE : ERRORS.BAD_REQUEST;
      const message =
        e === ERRORS.HEADERS_TOO_LARGE
          ? 'the request line and headers exceed 16 KiB'
          : 'the request is not valid HTTP';
      const body = JSON.stringify({ error: { code: e.code, message } });
      if (socket.writable) {
        socket.end(
          `HTTP/1.1 ${e.httpStatus} ${e === ERRORS.HEADERS_TOO_LARGE ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
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
      new ApiError(
        ErrorCodes.RATE_LIMITED,
        `too many ${req.method === 'POST' ? 'uploads' : `requests to ${req.routeOptions.url} that must be computed`}: at most ${ctx.max} per client per minute; retry in ${ctx.after}`,
      ),
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.statusCode).send(err.body());
    if (err.validation) {
      return reply.code(ERRORS.INVALID_REQUEST.httpStatus).send({
        error: { code: ErrorCodes.INVALID_REQUEST, message: describeValidation(err, req) },
      });
    }
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(ERRORS.BODY_TOO_LARGE.httpStatus)
        .send({ error: { code: ErrorCodes.BODY_TOO_LARGE, message: err.message } });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's and its plugins' own (a body that is not JSON, an unsupported content type, a
      // static path that climbs out of its folder) as a registry code with that code's status,
      // so that a client handles one set of codes, each with one status.
      const e = CLIENT_ERRORS_BY_STATUS.get(err.statusCode) ?? ERRORS.BAD_REQUEST;
      // A path out of the static folder (403 from @fastify/static) names no file: 404.
      const message = err.statusCode === 403 ? `no file ${req.url}` : err.message;
      return reply.code(e.httpStatus).send({ error: { code: e.code, message } });
    }
    // Anything else is ours: log it whole, tell the client only that it happened.
    req.log.error(err);
    return reply.code(ERRORS.INTERNAL.httpStatus).send({
      error: { code: ErrorCodes.INTERNAL, message: 'internal error (see the server log)' },
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(ERRORS.NOT_FOUND.httpStatus).send({
      error: {
        code: ErrorCodes.NOT_FOUND,
        message: `no route ${req.method} ${req.url.split('?')[0]}`,
      },
    }),
  );

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

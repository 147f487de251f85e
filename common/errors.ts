/**
 * The error registry, one row per code, as fastify's lib/errors.js keeps its own: every code
 * flushbench uses anywhere, what it means, its message template, the exit code the CLI ends with
 * and the HTTP status the server answers with. Every error a user can meet is made here, by
 * createError() from its row; the CLI and the server map errors through it and nothing else; a
 * code not in it does not exist. Every floor (sim, data, bench, server, cli) may import this
 * module; it imports nothing.
 *
 * A template's `%s` are filled in order by createError's arguments, as @fastify/error fills
 * fastify's; the compiler counts them. A row whose messages share no frame is `'%s'`, as
 * fastify's FST_ERR_VALIDATION is: its one argument names the option, the rule and the value.
 *
 * `kind` decides how the CLI words it: bad input is told as it is (exit 2), a run that failed as
 * "the run failed: …" (exit 1), a store problem with its code (exit 1).
 */

export interface ErrorKind {
  code: `FLUSHBENCH_ERR_${string}`;
  kind: 'input' | 'run' | 'store' | 'http' | 'client';
  exitCode: 1 | 2;
  httpStatus: number;
  /** What the user reads: fixed text with a `%s` for each argument of createError. */
  message: string;
  means: string;
}

export const ERRORS = {
  // ── bad input: exit 2, HTTP 400 ──
  INVALID_OPTION: {
    code: 'FLUSHBENCH_ERR_INVALID_OPTION',
    kind: 'input',
    exitCode: 2,
    httpStatus: 400,
    message: '%s',
    means: 'An option has the wrong type (TypeError) or is out of range (RangeError).',
  },
  INVALID_PROFILE: {
    code: 'FLUSHBENCH_ERR_INVALID_PROFILE',
    kind: 'input',
    exitCode: 2,
    httpStatus: 400,
    message: '%s',
    means: 'A cost profile file is missing, unreadable or does not follow the schema.',
  },
  HOST_UNSUPPORTED: {
    code: 'FLUSHBENCH_ERR_HOST_UNSUPPORTED',
    kind: 'input',
    exitCode: 2,
    httpStatus: 400,
    message: 'flushbench kernel cannot measure this host: %s',
    means:
      'flushbench kernel cannot measure this host: it is not Linux on x86-64, or /proc/interrupts or the online CPUs cannot be read.',
  },
  INVALID_DB: {
    code: 'FLUSHBENCH_ERR_INVALID_DB',
    kind: 'input',
    exitCode: 2,
    httpStatus: 400,
    message: '--db %s %s',
    means:
      "The --db file cannot serve the command: missing (to read), a directory, not SQLite, corrupt, another application's, a newer or (to read) older schema, or read-only (to write).",
  },
  UNKNOWN_REF: {
    code: 'FLUSHBENCH_ERR_UNKNOWN_REF',
    kind: 'input',
    exitCode: 2,
    httpStatus: 404,
    message: '%s',
    means: 'A run id, commit or branch named no stored run.',
  },
  INVALID_SWEEP: {
    code: 'FLUSHBENCH_ERR_INVALID_SWEEP',
    kind: 'input',
    exitCode: 2,
    httpStatus: 400,
    message: '%s',
    means:
      'Shards are not one whole sweep: a shard missing or given twice, shards of two commits, suites, option sets or splits, or cases that do not cover the suite once.',
  },
  SHARD_EXISTS: {
    code: 'FLUSHBENCH_ERR_SHARD_EXISTS',
    kind: 'input',
    exitCode: 2,
    httpStatus: 409,
    message: '%s is already %s',
    means: 'This shard of the sweep is already stored, or its sweep is already merged into a run.',
  },
  // ── a run or a case that failed: exit 1 ──
  CPU_STUCK: {
    code: 'FLUSHBENCH_ERR_CPU_STUCK',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message: '%s',
    means: 'A CPU did not unlock a csd (or reach a barrier) before the deadline.',
  },
  CPU_CRASHED: {
    code: 'FLUSHBENCH_ERR_CPU_CRASHED',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message: '%s',
    means: "A CPU's worker threw or exited.",
  },
  RUN_ABORTED: {
    code: 'FLUSHBENCH_ERR_RUN_ABORTED',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message: '%s stopped because %s',
    means: 'Another CPU failed and this one stopped on the abort flag.',
  },
  MACHINE_UNUSABLE: {
    code: 'FLUSHBENCH_ERR_MACHINE_UNUSABLE',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message: '%s',
    means: 'The machine was closed or broken by an earlier failure.',
  },
  NON_FINITE_STATISTIC: {
    code: 'FLUSHBENCH_ERR_NON_FINITE_STATISTIC',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message: '%s',
    means: 'A case ran but a statistic of it came out NaN or ±Infinity: the case failed.',
  },
  CONTROL_NOT_CAUGHT: {
    code: 'FLUSHBENCH_ERR_CONTROL_NOT_CAUGHT',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message:
      'the negative control %s was not caught: %s violations in %s checked accesses, so the oracle is blind in this case',
    means:
      'A negative control ran where it can break its guarantee and the oracle found nothing: the oracle is blind in this case.',
  },
  CASE_FAILED: {
    code: 'FLUSHBENCH_ERR_CASE_FAILED',
    kind: 'run',
    exitCode: 1,
    httpStatus: 500,
    message: '%s',
    means:
      'A case failed for a reason of its own: a system call of the kernel measurement, a figure validate needs, or an error that carries no flushbench code (an unexpected exception).',
  },
  // ── the store ──
  STORE: {
    code: 'FLUSHBENCH_ERR_STORE',
    kind: 'store',
    exitCode: 1,
    httpStatus: 500,
    message: '%s',
    means: 'The database could not be opened, read or written.',
  },
  // ── the server's answers ──
  INVALID_REQUEST: {
    code: 'FLUSHBENCH_ERR_INVALID_REQUEST',
    kind: 'http',
    exitCode: 2,
    httpStatus: 400,
    message: '%s',
    means: 'A request did not follow its route schema (params, query or body).',
  },
  BAD_REQUEST: {
    code: 'FLUSHBENCH_ERR_BAD_REQUEST',
    kind: 'http',
    exitCode: 2,
    httpStatus: 400,
    message: '%s',
    means: 'A request the server refused for another client-side reason.',
  },
  UNAUTHORIZED: {
    code: 'FLUSHBENCH_ERR_UNAUTHORIZED',
    kind: 'http',
    exitCode: 2,
    httpStatus: 401,
    message: "uploads need the server's token as an Authorization: Bearer <token> header: %s",
    means: 'An upload without a bearer token, or with a wrong one.',
  },
  INGEST_DISABLED: {
    code: 'FLUSHBENCH_ERR_INGEST_DISABLED',
    kind: 'http',
    exitCode: 2,
    httpStatus: 403,
    message: 'uploads are off: start the server with FLUSHBENCH_TOKEN set',
    means: 'An upload to a server that has no token configured.',
  },
  NOT_FOUND: {
    code: 'FLUSHBENCH_ERR_NOT_FOUND',
    kind: 'http',
    exitCode: 2,
    httpStatus: 404,
    message: '%s',
    means: 'No such route, run or case.',
  },
  BODY_TOO_LARGE: {
    code: 'FLUSHBENCH_ERR_BODY_TOO_LARGE',
    kind: 'http',
    exitCode: 2,
    httpStatus: 413,
    message: 'the body is larger than the %s bytes the server takes',
    means: 'An upload larger than the body limit.',
  },
  URI_TOO_LONG: {
    code: 'FLUSHBENCH_ERR_URI_TOO_LONG',
    kind: 'http',
    exitCode: 2,
    httpStatus: 414,
    message: 'a path parameter is longer than the %s characters the router takes',
    means: 'A path parameter longer than the router takes (100 characters).',
  },
  HEADERS_TOO_LARGE: {
    code: 'FLUSHBENCH_ERR_HEADERS_TOO_LARGE',
    kind: 'http',
    exitCode: 2,
    httpStatus: 431,
    message: 'the request line and headers exceed 16 KiB',
    means: "A request whose headers (with its URL) exceed Node's 16 KiB limit.",
  },
  BODY_TOO_DEEP: {
    code: 'FLUSHBENCH_ERR_BODY_TOO_DEEP',
    kind: 'http',
    exitCode: 2,
    httpStatus: 400,
    message: 'body must nest arrays and objects at most %s deep (got deeper at byte %s)',
    means: 'A JSON body with arrays and objects nested deeper than the server parses (64 levels).',
  },
  HOST_NOT_ALLOWED: {
    code: 'FLUSHBENCH_ERR_HOST_NOT_ALLOWED',
    kind: 'http',
    exitCode: 2,
    httpStatus: 421,
    message: 'the Host header must be one of %s (got %s)',
    means:
      'A request whose Host header is not in the list the server was started with (--allowed-hosts).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'FLUSHBENCH_ERR_UNSUPPORTED_MEDIA_TYPE',
    kind: 'http',
    exitCode: 2,
    httpStatus: 415,
    message: '%s',
    means:
      'A request body of a content type the route does not take (uploads are application/json).',
  },
  RATE_LIMITED: {
    code: 'FLUSHBENCH_ERR_RATE_LIMITED',
    kind: 'http',
    exitCode: 2,
    httpStatus: 429,
    message: 'too many %s: at most %s per minute; retry in %s',
    means:
      'More requests to a costly route (uploads, comparisons that must be computed, exports) than its per-client limit per minute.',
  },
  SERVER_BUSY: {
    code: 'FLUSHBENCH_ERR_SERVER_BUSY',
    kind: 'http',
    exitCode: 1,
    httpStatus: 503,
    message: '%s',
    means:
      'The server is already computing as many comparisons as it runs at once (or one took too long): retry after the Retry-After seconds.',
  },
  STORAGE_FULL: {
    code: 'FLUSHBENCH_ERR_STORAGE_FULL',
    kind: 'http',
    exitCode: 1,
    httpStatus: 507,
    message: "the server's disk is full: the run was not stored (nothing of it was written)",
    means:
      "The server's disk is full: the upload was not stored (nothing of it was written); retry once there is room.",
  },
  INTERNAL: {
    code: 'FLUSHBENCH_ERR_INTERNAL',
    kind: 'http',
    exitCode: 1,
    httpStatus: 500,
    message: 'internal error (see the server log)',
    means: "The server's own fault; the server log has the details.",
  },
  // ── the dashboard's client, when the server could not describe a failure itself ──
  NETWORK: {
    code: 'FLUSHBENCH_ERR_NETWORK',
    kind: 'client',
    exitCode: 1,
    httpStatus: 502,
    message: 'could not reach the server at %s: %s',
    means: 'The dashboard or `flushbench push` got no answer from the server.',
  },
  BAD_RESPONSE: {
    code: 'FLUSHBENCH_ERR_BAD_RESPONSE',
    kind: 'client',
    exitCode: 1,
    httpStatus: 502,
    message: '%s',
    means: 'The server answered something that is not the API JSON.',
  },
} as const satisfies Record<string, ErrorKind>;

export type ErrorName = keyof typeof ERRORS;
export type ErrorCode = (typeof ERRORS)[ErrorName]['code'];

/** The codes by name: `ErrorCodes.CPU_STUCK === 'FLUSHBENCH_ERR_CPU_STUCK'`. */
export const ErrorCodes = Object.freeze(
  Object.fromEntries(Object.entries(ERRORS).map(([name, e]) => [name, e.code])),
) as { readonly [N in ErrorName]: (typeof ERRORS)[N]['code'] };

const BY_CODE: ReadonlyMap<string, ErrorKind> = new Map(
  Object.values(ERRORS).map((e) => [e.code, e as ErrorKind]),
);

/** The registry's row for a code, or undefined for a code that does not exist. */
export function errorKindOf(code: string): ErrorKind | undefined {
  return BY_CODE.get(code);
}

export interface FlushbenchError extends Error {
  code: ErrorCode;
  /** The CPU the error is about, when there is one. */
  cpu?: number;
}

/** One `unknown` per `%s` of a template: what createError takes after the row's name. */
export type TemplateArgs<T extends string> = T extends `${string}%s${infer Rest}`
  ? [unknown, ...TemplateArgs<Rest>]
  : [];

export type ErrorArgs<N extends ErrorName> = TemplateArgs<(typeof ERRORS)[N]['message']>;

/** A row's template with its `%s` filled in order: fastify's util.format, for `%s` alone. */
export function formatMessage(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++]));
}

export interface ErrorOptions {
  /** The CPU the error is about. */
  cpu?: number;
  cause?: unknown;
  /** TypeError for a value of the wrong type, RangeError for one out of range; else Error. */
  as?: typeof TypeError | typeof RangeError;
}

/**
 * The one way to make an error a user can meet: the row's code, its template filled with `args`.
 * `createError('RUN_ABORTED', ['CPU 3', 'another CPU failed'], { cpu: 3 })` reads "CPU 3 stopped
 * because another CPU failed" and carries FLUSHBENCH_ERR_RUN_ABORTED.
 */
export function createError<N extends ErrorName>(
  name: N,
  args: ErrorArgs<N>,
  options: ErrorOptions = {},
): Error & FlushbenchError & { code: (typeof ERRORS)[N]['code'] } {
  const row: ErrorKind = ERRORS[name];
  const Make = options.as ?? Error;
  const err = new Make(
    formatMessage(row.message, args),
    options.cause === undefined ? undefined : { cause: options.cause },
  );
  return withCode(err, row.code as ErrorCode, options.cpu) as Error &
    FlushbenchError & { code: (typeof ERRORS)[N]['code'] };
}

/**
 * A bad option, INVALID_OPTION's error: the CLI's flags, the simulator's options and the server's
 * queries all make theirs here. The message names the option, the rule and the value. A wrong
 * type: `--cpus must be an integer (got "four")`.
 */
export function invalidType(message: string): TypeError & FlushbenchError {
  return createError('INVALID_OPTION', [message], { as: TypeError });
}

/** A value out of range: `--cpus must be an integer from 1 to 256 (got 0)`. */
export function invalidRange(message: string): RangeError & FlushbenchError {
  return createError('INVALID_OPTION', [message], { as: RangeError });
}

/** Gives an error a registry code (and the CPU it is about). */
function withCode<E extends Error>(err: E, code: ErrorCode, cpu?: number): E & FlushbenchError {
  const e = err as E & FlushbenchError;
  e.code = code;
  if (cpu !== undefined) e.cpu = cpu;
  return e;
}

export function isFlushbenchError(err: unknown): err is FlushbenchError {
  return (
    err instanceof Error &&
    typeof (err as Partial<FlushbenchError>).code === 'string' &&
    BY_CODE.has((err as FlushbenchError).code)
  );
}

/** Bad input: the CLI answers exit code 2, the server a 4xx. */
export function isInputError(err: unknown): boolean {
  return isFlushbenchError(err) && BY_CODE.get(err.code)!.kind === 'input';
}

/** Rebuilds an error that crossed a thread boundary as plain data. */
export function reviveError(data: {
  code: ErrorCode;
  message: string;
  cpu?: number;
}): Error & FlushbenchError {
  return withCode(new Error(data.message), data.code, data.cpu);
}

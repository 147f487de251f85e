import {
  createError,
  type ErrorCode,
  ErrorCodes,
  errorKindOf,
  type FlushbenchError,
} from '../common/errors.js';

/** What the API answers for an error of the registry: `{ error: { code, message } }`. */
export interface ErrorAnswer {
  status: number;
  body: { error: { code: ErrorCode; message: string } };
}

/**
 * The answer for an error made by the registry (common/errors.ts, createError): the HTTP status
 * its row gives, its code and its message. Errors are made in one way everywhere; the server only
 * answers them.
 */
export function answerOf(err: FlushbenchError): ErrorAnswer {
  return {
    status: errorKindOf(err.code)?.httpStatus ?? 500,
    body: { error: { code: err.code, message: err.message } },
  };
}

/** 404, "no run 7". */
export function notFound(message: string): Error & FlushbenchError {
  return createError('NOT_FOUND', [message]);
}

/** Whether the error is the registry's SERVER_BUSY, which the routes answer with Retry-After. */
export function isServerBusy(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === ErrorCodes.SERVER_BUSY;
}

import { type ErrorCode, ErrorCodes, errorKindOf } from '../common/errors.js';

/**
 * An error the API answers with `{ error: { code, message } }` and the HTTP status the registry
 * (common/errors.ts) gives its code.
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.statusCode = errorKindOf(code)!.httpStatus;
    this.code = code;
  }
  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function notFound(message: string): ApiError {
  return new ApiError(ErrorCodes.NOT_FOUND, message);
}

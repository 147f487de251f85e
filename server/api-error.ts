/** An error the API answers with its own status and `{ error: { code, message } }`. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'FLUSHBENCH_ERR_NOT_FOUND', message);
}

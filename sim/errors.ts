/**
 * The error registry. Every error flushbench raises on purpose carries a stable `code`; the CLI
 * maps codes to exit codes (bad input → 2, a failed run → 1) and the server maps them to HTTP
 * statuses. Messages name the option or the CPU, the rule and the value.
 */

export const ErrorCodes = Object.freeze({
  /** An option has the wrong type (TypeError) or is out of range (RangeError). */
  INVALID_OPTION: 'FLUSHBENCH_ERR_INVALID_OPTION',
  /** A cost profile file is missing, unreadable or does not follow the schema. */
  INVALID_PROFILE: 'FLUSHBENCH_ERR_INVALID_PROFILE',
  /** A CPU did not unlock a csd (or reach a barrier) before the deadline. */
  CPU_STUCK: 'FLUSHBENCH_ERR_CPU_STUCK',
  /** A CPU's worker threw or exited. */
  CPU_CRASHED: 'FLUSHBENCH_ERR_CPU_CRASHED',
  /** Another CPU failed and this one stopped on the abort flag. */
  RUN_ABORTED: 'FLUSHBENCH_ERR_RUN_ABORTED',
  /** The machine was closed or broken by an earlier failure. */
  MACHINE_UNUSABLE: 'FLUSHBENCH_ERR_MACHINE_UNUSABLE',
  /** A case ran but a statistic of it came out NaN or ±Infinity: the case failed. */
  NON_FINITE_STATISTIC: 'FLUSHBENCH_ERR_NON_FINITE_STATISTIC',
  /**
   * A negative control ran where it can break its guarantee and the oracle found nothing: the
   * oracle is blind in this case, so no verdict of the run can be trusted.
   */
  CONTROL_NOT_CAUGHT: 'FLUSHBENCH_ERR_CONTROL_NOT_CAUGHT',
  /** A case failed with an error that carries no flushbench code (an unexpected exception). */
  CASE_FAILED: 'FLUSHBENCH_ERR_CASE_FAILED',
});

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface FlushbenchError extends Error {
  code: ErrorCode;
  /** The CPU the error is about, when there is one. */
  cpu?: number;
}

function withCode<E extends Error>(err: E, code: ErrorCode, cpu?: number): E & FlushbenchError {
  const e = err as E & FlushbenchError;
  e.code = code;
  if (cpu !== undefined) e.cpu = cpu;
  return e;
}

/** A wrong type: `--cpus must be an integer (got "four")`. */
export function invalidType(message: string): TypeError & FlushbenchError {
  return withCode(new TypeError(message), ErrorCodes.INVALID_OPTION);
}

/** A value out of range: `--cpus must be an integer from 1 to 256 (got 0)`. */
export function invalidRange(message: string): RangeError & FlushbenchError {
  return withCode(new RangeError(message), ErrorCodes.INVALID_OPTION);
}

export function invalidProfile(message: string, cause?: unknown): Error & FlushbenchError {
  return withCode(new Error(message, { cause }), ErrorCodes.INVALID_PROFILE);
}

export function cpuStuck(message: string, cpu: number): Error & FlushbenchError {
  return withCode(new Error(message), ErrorCodes.CPU_STUCK, cpu);
}

export function cpuCrashed(message: string, cpu: number, cause?: unknown): Error & FlushbenchError {
  return withCode(new Error(message, { cause }), ErrorCodes.CPU_CRASHED, cpu);
}

export function runAborted(cpu: number): Error & FlushbenchError {
  return withCode(
    new Error(`CPU ${cpu} stopped because another CPU failed`),
    ErrorCodes.RUN_ABORTED,
    cpu,
  );
}

export function machineUnusable(message: string): Error & FlushbenchError {
  return withCode(new Error(message), ErrorCodes.MACHINE_UNUSABLE);
}

/** `modeled cycles p50 must be a finite number (got NaN)`: the case is stored as failed. */
export function nonFiniteStatistic(message: string): Error & FlushbenchError {
  return withCode(new Error(message), ErrorCodes.NON_FINITE_STATISTIC);
}

/** Rebuilds an error that crossed a thread boundary as plain data. */
export function reviveError(data: {
  code: ErrorCode;
  message: string;
  cpu?: number;
}): Error & FlushbenchError {
  return withCode(new Error(data.message), data.code, data.cpu);
}

export function isFlushbenchError(err: unknown): err is FlushbenchError {
  return (
    err instanceof Error &&
    typeof (err as Partial<FlushbenchError>).code === 'string' &&
    (err as FlushbenchError).code.startsWith('FLUSHBENCH_ERR_')
  );
}

/** Bad input: the CLI answers exit code 2, the server HTTP 400. */
export function isInputError(err: unknown): boolean {
  return (
    isFlushbenchError(err) &&
    (err.code === ErrorCodes.INVALID_OPTION || err.code === ErrorCodes.INVALID_PROFILE)
  );
}

/** The code a CPU reports for an error of its own: anything unexpected is a crash. */
export function errorCodeOf(err: unknown): ErrorCode {
  return isFlushbenchError(err) ? err.code : ErrorCodes.CPU_CRASHED;
}

/**
 * The simulated machine's errors, made with codes from the registry (common/errors.ts), which
 * says what the CLI and the server make of each. Messages name the option or the CPU, the rule
 * and the value.
 */
import {
  type ErrorCode,
  ErrorCodes,
  type FlushbenchError,
  isFlushbenchError,
  withCode,
} from '../../common/errors.js';

// Option errors are the registry's own (common/errors.ts), shared by every floor.
export {
  type ErrorCode,
  ErrorCodes,
  type FlushbenchError,
  invalidRange,
  invalidType,
  isFlushbenchError,
  isInputError,
  reviveError,
} from '../../common/errors.js';

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

/** The code a CPU reports for an error of its own: anything unexpected is a crash. */
export function errorCodeOf(err: unknown): ErrorCode {
  return isFlushbenchError(err) ? err.code : ErrorCodes.CPU_CRASHED;
}

/**
 * The simulated machine's errors, made with codes from the registry (common/errors.ts), which
 * says what the CLI and the server make of each. Messages name the option or the CPU, the rule
 * and the value.
 */
import {
  createError,
  type ErrorCode,
  ErrorCodes,
  type FlushbenchError,
  isFlushbenchError,
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
  return createError('INVALID_PROFILE', [message], { cause });
}

export function cpuStuck(message: string, cpu: number): Error & FlushbenchError {
  return createError('CPU_STUCK', [message], { cpu });
}

export function cpuCrashed(message: string, cpu: number, cause?: unknown): Error & FlushbenchError {
  return createError('CPU_CRASHED', [message], { cpu, cause });
}

/** "CPU 3 stopped because another CPU failed", or because of the CPU named in `why`. */
export function runAborted(cpu: number, why = 'another CPU failed'): Error & FlushbenchError {
  return createError('RUN_ABORTED', [`CPU ${cpu}`, why], { cpu });
}

export function machineUnusable(message: string): Error & FlushbenchError {
  return createError('MACHINE_UNUSABLE', [message]);
}

/** `modeled cycles p50 must be a finite number (got NaN)`: the case is stored as failed. */
export function nonFiniteStatistic(message: string): Error & FlushbenchError {
  return createError('NON_FINITE_STATISTIC', [message]);
}

/** The code a CPU reports for an error of its own: anything unexpected is a crash. */
export function errorCodeOf(err: unknown): ErrorCode {
  return isFlushbenchError(err) ? err.code : ErrorCodes.CPU_CRASHED;
}

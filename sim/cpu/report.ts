/** What a worker sends back for a CPU's case: its result (buffers transferred) or its error. */
import { ErrorCodes, errorCodeOf, isFlushbenchError } from '../shared/errors.js';
import type { CpuResult, ErrorMessage } from '../shared/messages.js';

/** The result's typed arrays, moved rather than copied to the main thread. */
export function resultTransfer(result: CpuResult): ArrayBuffer[] {
  const transfer: ArrayBuffer[] = [result.counters.buffer as ArrayBuffer];
  for (const a of [result.samplesNs, result.modeledCycles, result.iterationCycles]) {
    if (a) transfer.push(a.buffer as ArrayBuffer);
  }
  return transfer;
}

/** CPU `cpu` failed with `err`: the message names the CPU the error is about. */
export function errorReport(cpu: number, err: unknown): ErrorMessage {
  const code = errorCodeOf(err);
  const message =
    code === ErrorCodes.CPU_CRASHED
      ? // A fault we made (coded) by its message; a bug in the CPU's code with its stack.
        `CPU ${cpu} crashed: ${isFlushbenchError(err) ? err.message : ((err as Error)?.stack ?? String(err))}`
      : (err as Error).message;
  const about = isFlushbenchError(err) && err.cpu !== undefined ? err.cpu : cpu;
  return { type: 'error', cpu, about, code, message };
}

/**
 * A computation run in a worker thread so that the server's event loop keeps answering: the
 * comparison statistics of a pair of runs (compare-statistics.ts) and a run's export
 * (export-cache.ts). The parent starts the worker and bounds its time; the worker answers once,
 * with its result or its error's message and code.
 */
import { parentPort, Worker } from 'node:worker_threads';
import { createError, type ErrorCode, errorKindOf, reviveError } from '../common/errors.js';

/** What a task's worker answers: its result, or its error's message and registry code. */
export type TaskMessage<T> = { ok: T } | { error: { message: string; code?: string } };

/**
 * Runs `script` on `workerData`; resolves with its result, rejects with its error (message and
 * code kept), or with `timedOut()` after `timeoutMs`, the worker terminated.
 */
export function runTask<T>(
  script: URL,
  workerData: unknown,
  timeoutMs: number,
  timedOut: () => Error,
): Promise<T> {
  const worker = new Worker(script, { workerData });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(timedOut());
    }, timeoutMs);
    worker.once('message', (m: TaskMessage<T>) => {
      clearTimeout(timer);
      if ('ok' in m) resolve(m.ok);
      // The worker's error as it was made; one without a code is the server's own fault.
      else
        reject(
          errorKindOf(m.error.code ?? '') !== undefined
            ? reviveError(m.error as { code: ErrorCode; message: string })
            : createError('INTERNAL', [], { cause: m.error.message }),
        );
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        createError('INTERNAL', [], {
          cause: `the ${script.pathname.split('/').at(-1)} worker exited with code ${code} before answering`,
        }),
      );
    });
  });
}

/** In the worker: computes once and answers the parent. */
export function answerTask<T>(compute: () => T): void {
  let message: TaskMessage<T>;
  try {
    message = { ok: compute() };
  } catch (err) {
    const e = err as Error & { code?: string };
    message = { error: { message: e.message, code: e.code } };
  }
  parentPort!.postMessage(message);
}

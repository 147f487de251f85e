/**
 * One run exported (export.ts) in a worker thread on its own read-only connection, so that a
 * large run's JSON or CSV — half a second of work for 30 cases of 100,000 samples — does not hold
 * the server's event loop (export-cache.ts starts it, keeps the bytes, and bounds its time).
 */
import { workerData } from 'node:worker_threads';
import { createError } from '../common/errors.js';
import { type ExportFormat, exportRun } from '../data/export.js';
import { Store } from '../data/store.js';
import { answerTask } from './worker-task.js';

const { dbFile, runId, format } = workerData as {
  dbFile: string;
  runId: number;
  format: ExportFormat;
};
answerTask(() => {
  const store = Store.openRead(dbFile, { live: true });
  try {
    const run = store.getRunRecord(runId);
    if (run === null) throw createError('NOT_FOUND', [`no run ${runId}`]);
    return Buffer.from(exportRun(run, format));
  } finally {
    store.close();
  }
});

/**
 * One comparison's statistics, computed in a worker thread on its own read-only connection so the
 * server's event loop keeps answering (compare-statistics.ts starts it and bounds its time).
 */
import { workerData } from 'node:worker_threads';
import { compareStatistics } from '../data/compare.js';
import { Store } from '../data/store.js';
import { answerTask } from './worker-task.js';

const { dbFile, baseId, headId } = workerData as { dbFile: string; baseId: number; headId: number };
answerTask(() => {
  const store = Store.openRead(dbFile, { live: true });
  try {
    return compareStatistics(store, baseId, headId);
  } finally {
    store.close();
  }
});

/**
 * One comparison's statistics, computed in a worker thread on its own read-only connection so the
 * server's event loop keeps answering (compare-statistics.ts starts it and bounds its time).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compareStatistics } from '../data/compare.js';
import { Store } from '../data/store.js';
import type { StatisticsMessage } from './compare-statistics.js';

const { dbFile, baseId, headId } = workerData as { dbFile: string; baseId: number; headId: number };
let message: StatisticsMessage;
try {
  const store = Store.openRead(dbFile, { live: true });
  try {
    message = { ok: compareStatistics(store, baseId, headId) };
  } finally {
    store.close();
  }
} catch (err) {
  const e = err as Error & { code?: string };
  message = { error: { message: e.message, code: e.code } };
}
parentPort!.postMessage(message);

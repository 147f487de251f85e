/**
 * GET /api/compare's costly half: the per-case statistics of a pair of runs (the U tests over
 * every stored sample; seconds for runs of 100k samples a case). They are computed once per pair,
 * off the event loop in a worker thread, and kept: a stored run never changes (an upload adds a
 * run; nothing updates or deletes one), so a pair's statistics stay right. The threshold, alpha
 * and gating metric are applied per request by judgeComparison, which costs microseconds.
 *
 * At most maxRunning pairs are computed at once; a new pair beyond that is refused with 503 and
 * Retry-After, so that a stream of new pairs cannot queue the server into the ground. Requests
 * for a pair already being computed wait for that computation instead of starting another.
 */
import { availableParallelism } from 'node:os';
import { createError } from '../common/errors.js';
import { type CompareStatistics, compareStatistics } from '../data/compare.js';
import type { Store } from '../data/store.js';
import { runTask } from './worker-task.js';

/** Pairs computed at once: one per core, less one for the event loop, at least one. */
export const DEFAULT_MAX_RUNNING = Math.max(1, availableParallelism() - 1);
/** Pairs kept: each is a few hundred bytes a case. */
const MAX_KEPT = 1024;
/** A pair taking longer is stopped: the worker is terminated and the request answered 503. */
export const COMPARE_TIMEOUT_MS = 60_000;
/** What Retry-After says when every slot is busy: about one computation of a large pair. */
export const RETRY_AFTER_S = 2;

export class CompareStatisticsCache {
  private readonly store: Store;
  private readonly maxRunning: number;
  private readonly kept = new Map<string, CompareStatistics>();
  private readonly running = new Map<string, Promise<CompareStatistics>>();
  /** How many computations were started: one per pair, whatever was asked of it. */
  computations = 0;

  constructor(store: Store, maxRunning: number = DEFAULT_MAX_RUNNING) {
    this.store = store;
    this.maxRunning = maxRunning;
  }

  /** True when the pair's statistics are kept or being computed: a request costs no new work. */
  isFree(baseId: number, headId: number): boolean {
    const key = `${baseId}:${headId}`;
    return this.kept.has(key) || this.running.has(key);
  }

  /** The pair's statistics: kept, joined, or computed now (503 when every slot is busy). */
  get(baseId: number, headId: number): CompareStatistics | Promise<CompareStatistics> {
    const key = `${baseId}:${headId}`;
    const kept = this.kept.get(key);
    if (kept !== undefined) return kept;
    const running = this.running.get(key);
    if (running !== undefined) return running;
    if (this.running.size >= this.maxRunning) {
      throw createError('SERVER_BUSY', [
        `the server is computing ${this.running.size} other comparison${this.running.size === 1 ? '' : 's'} (at most ${this.maxRunning} at once): retry in ${RETRY_AFTER_S} s`,
      ]);
    }
    this.computations++;
    const computed = this.compute(baseId, headId).then(
      (stats) => {
        this.running.delete(key);
        if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
        this.kept.set(key, stats);
        return stats;
      },
      (err: unknown) => {
        this.running.delete(key);
        throw err;
      },
    );
    this.running.set(key, computed);
    return computed;
  }

  /**
   * In a worker on its own read-only connection; inline where no other connection can see the
   * same data (an in-memory database, or a snapshot of a file in a read-only folder).
   */
  private compute(baseId: number, headId: number): Promise<CompareStatistics> {
    if (this.store.file === ':memory:' || this.store.snapshot) {
      return Promise.resolve().then(() => compareStatistics(this.store, baseId, headId));
    }
    return runTask<CompareStatistics>(
      new URL('./compare-worker.js', import.meta.url),
      { dbFile: this.store.file, baseId, headId },
      COMPARE_TIMEOUT_MS,
      () =>
        createError('SERVER_BUSY', [
          `comparing run ${headId} with run ${baseId} took over ${COMPARE_TIMEOUT_MS / 1000} s and was stopped`,
        ]),
    );
  }
}

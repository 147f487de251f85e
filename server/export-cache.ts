/**
 * Exports, kept per run and format: a stored run never changes, so its export is made once —
 * in a worker thread (export-worker.ts), joined by whoever asks meanwhile — and then served from
 * memory. Four clients exporting a 12-case × 100,000-sample run used to make it four times on
 * the event loop, and /api/health waited 1.8 s at p99.
 */
import { createError } from '../common/errors.js';
import { type ExportFormat, exportRun } from '../data/export.js';
import type { Store } from '../data/store.js';
import { notFound } from './api-error.js';
import { runTask } from './worker-task.js';

/** Bytes of exports kept; past it the oldest go first. */
const MAX_KEPT_BYTES = 256 * 1024 * 1024;
/** An export that takes longer is stopped and answered 503. */
const EXPORT_TIMEOUT_MS = 60_000;

export class ExportCache {
  private readonly store: Store;
  private readonly kept = new Map<string, Buffer>();
  private keptBytes = 0;
  private readonly running = new Map<string, Promise<Buffer>>();
  /** How many exports were made: one per run and format, however many asked. */
  made = 0;

  constructor(store: Store) {
    this.store = store;
  }

  /** The run's export: kept, joined, or made now. 404 when the run does not exist. */
  get(runId: number, format: ExportFormat): Buffer | Promise<Buffer> {
    const key = `${runId}:${format}`;
    const kept = this.kept.get(key);
    if (kept !== undefined) return kept;
    const running = this.running.get(key);
    if (running !== undefined) return running;
    this.made++;
    const made = this.make(runId, format).then(
      (bytes) => {
        this.running.delete(key);
        this.keep(key, bytes);
        return bytes;
      },
      (err: unknown) => {
        this.running.delete(key);
        throw err;
      },
    );
    this.running.set(key, made);
    return made;
  }

  private keep(key: string, bytes: Buffer): void {
    if (bytes.length > MAX_KEPT_BYTES) return;
    while (this.keptBytes + bytes.length > MAX_KEPT_BYTES) {
      const [oldest, b] = this.kept.entries().next().value as [string, Buffer];
      this.kept.delete(oldest);
      this.keptBytes -= b.length;
    }
    this.kept.set(key, bytes);
    this.keptBytes += bytes.length;
  }

  /** In a worker; inline where no other connection sees the data (memory, a snapshot). */
  private make(runId: number, format: ExportFormat): Promise<Buffer> {
    if (this.store.file === ':memory:' || this.store.snapshot) {
      return Promise.resolve().then(() => {
        const run = this.store.getRunRecord(runId);
        if (run === null) throw notFound(`no run ${runId}`);
        return Buffer.from(exportRun(run, format));
      });
    }
    // A run the worker cannot find comes back as its NOT_FOUND (runTask revives registry errors).
    return runTask<Uint8Array>(
      new URL('./export-worker.js', import.meta.url),
      { dbFile: this.store.file, runId, format },
      EXPORT_TIMEOUT_MS,
      () =>
        createError('SERVER_BUSY', [
          `exporting run ${runId} took over ${EXPORT_TIMEOUT_MS / 1000} s and was stopped`,
        ]),
    ).then((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
}

/**
 * The SQLite connection (better-sqlite3): one file, WAL so readers never block the writer, a
 * busy timeout so two benches writing at once both get their turn, foreign keys on, and the
 * schema migrated on open. The store's jobs are layered on it, each in a file of its own:
 * writes (store-writes.ts), reads (store-reads.ts), refs and opening (store.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type ErrorCode, ErrorCodes } from '../common/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export const DEFAULT_DB = 'data/flushbench.db';
const BUSY_TIMEOUT_MS = 30_000;

export class StoreError extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = ErrorCodes.STORE) {
    super(message);
    this.code = code;
  }
}

/** A ref did not name a run: bad input (CLI exit 2, HTTP 404/400). */
export class UnknownRefError extends StoreError {
  constructor(message: string) {
    super(message, ErrorCodes.UNKNOWN_REF);
  }
}

/** The database file: --db, else FLUSHBENCH_DB, else data/flushbench.db. */
export function dbPath(flag?: string): string {
  return resolve(flag ?? process.env.FLUSHBENCH_DB ?? DEFAULT_DB);
}

/** Opens (creating the folders) and migrates the database file. */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  whenNotBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('foreign_keys = ON');
  migrate(db, file);
  return db;
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `f`, again while SQLite answers SQLITE_BUSY, up to the busy timeout. Turning a new file to
 * WAL takes an exclusive lock that SQLite refuses at once, without calling the busy handler, when
 * another connection is opening the same new file (two benches started together).
 */
function whenNotBusy<T>(f: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return f();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}

/** Samples are stored as little Float64 blobs. */
export function toBlob(values: ArrayLike<number>): Buffer {
  const f64 = Float64Array.from(values);
  return Buffer.from(f64.buffer, f64.byteOffset, f64.byteLength);
}

export function fromBlob(blob: Buffer | null): number[] {
  if (!blob) return [];
  const copy = new Uint8Array(blob).slice().buffer;
  return Array.from(new Float64Array(copy));
}

export abstract class StoreConnection {
  readonly db: Database.Database;
  readonly file: string;
  private readonly statements = new Map<string, Database.Statement>();

  protected constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  close(): void {
    this.db.close();
  }

  /** Prepared once per SQL text: preparing costs more than running these small queries. */
  protected sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (stmt === undefined) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  /** Moves whenever another connection commits to the file (PRAGMA data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}

function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `${file} has schema version ${version}, newer than this flushbench's ${SCHEMA_VERSION}: upgrade flushbench`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The SQLite connection (better-sqlite3), opened by store-open.ts: WAL so readers never block the
 * writer, a busy timeout so two benches writing at once both get their turn, foreign keys on. The
 * store's jobs are layered on it, each in a file of its own: writes (store-writes.ts), reads
 * (store-reads.ts), refs (store.ts).
 */
import type Database from 'better-sqlite3';
import { ERRORS, type ErrorCode, formatMessage } from '../common/errors.js';

/**
 * The store's errors, a class of their own so that a caller can tell them apart. Each is a row of
 * the registry (common/errors.ts), its message that row's template filled.
 */
export class StoreError extends Error {
  readonly code: ErrorCode;
  constructor(name: 'STORE' | 'INVALID_DB' | 'UNKNOWN_REF', args: readonly unknown[]) {
    super(formatMessage(ERRORS[name].message, args));
    this.code = ERRORS[name].code;
  }
}

/** A ref did not name a run: bad input (CLI exit 2, HTTP 404/400). */
export class UnknownRefError extends StoreError {
  constructor(message: string) {
    super('UNKNOWN_REF', [message]);
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

/**
 * Opening a database file for a command, and what can be wrong with it. Every problem is a
 * `StoreFileError` that names the file and the reason in words (a directory, not SQLite, corrupt,
 * another application's, a newer schema, read-only, missing), never SQLite's bare message.
 *
 * Two ways in:
 * - `write` (bench, import, validate, a server that takes uploads) creates the file and its
 *   folders when missing, refuses a file it cannot write before anything is measured, and
 *   migrates an older flushbench schema;
 * - `read` (runs, compare, export, push, a server without uploads) creates nothing and changes
 *   nothing: it opens the file read-only, refuses a missing file or a schema it would have to
 *   migrate, and never touches another application's tables.
 *
 * A read-only SQLite connection to a WAL database still creates the `-wal` and `-shm` files
 * beside it when they are missing (SQLite's WAL index) and leaves them behind, and fails where
 * the folder is read-only (readThroughSqlite opens a writable file `query_only` instead, which
 * removes them when it closes). So when no other connection has the file open (no `-wal`, no
 * `-journal`), a read takes a snapshot instead: the file's bytes, read once, opened in memory.
 * A file that changed while it was read (a writer started meanwhile) is read again through
 * SQLite. A file above SNAPSHOT_MAX_BYTES is opened through SQLite too.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { StoreError } from './store-connection.js';

export type OpenMode = 'read' | 'write';

export const DEFAULT_DB = 'data/flushbench.db';

const BUSY_TIMEOUT_MS = 30_000;
/** Larger files are read through SQLite rather than copied into memory. */
const SNAPSHOT_MAX_BYTES = 256 * 1024 * 1024;
/** The first 16 bytes of every SQLite 3 database file (the file format's header string). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Header bytes 18 and 19: the file format's write and read versions, 2 in WAL mode. */
const HEADER_WAL_BYTES = [18, 19] as const;

/** A --db file that cannot serve the command: bad input (CLI exit 2), named with its reason. */
export class StoreFileError extends StoreError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, cause?: unknown) {
    super('INVALID_DB', [file, reason]);
    this.file = file;
    this.reason = reason;
    if (cause !== undefined) this.cause = cause;
  }
}

/** The database file: --db, else FLUSHBENCH_DB, else data/flushbench.db. */
export function dbPath(flag?: string): string {
  const given = flag ?? process.env.FLUSHBENCH_DB ?? DEFAULT_DB;
  const name =
    flag === undefined && process.env.FLUSHBENCH_DB !== undefined ? 'FLUSHBENCH_DB' : '--db';
  if (given.trim() === '') {
    throw new StoreFileError(given, `is empty: ${name} must name a database file`);
  }
  if (given === ':memory:') {
    throw new StoreFileError(
      given,
      `names an in-memory database, which is gone when the command ends: ${name} must name a file`,
    );
  }
  return resolve(given);
}

/** What an SQLite error code means for the file, in words; null for codes that are not the file's. */
export function sqliteFault(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const sqlite = (err as Error).message;
  if (code === 'SQLITE_NOTADB') return 'is not an SQLite database';
  if (code.startsWith('SQLITE_CORRUPT')) return `is corrupt (SQLite: ${sqlite})`;
  if (code.startsWith('SQLITE_READONLY')) return `is read-only (SQLite: ${sqlite})`;
  if (code === 'SQLITE_FULL') return `cannot be written: the disk is full (SQLite: ${sqlite})`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `cannot be opened (SQLite: ${sqlite})`;
  if (code.startsWith('SQLITE_IOERR'))
    return `could not be read or written (SQLite ${code}: ${sqlite})`;
  if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH'))
    return `cannot be accessed: permission denied (SQLite: ${sqlite})`;
  return null;
}

/** Runs `f`; an SQLite error about the file becomes a StoreFileError naming it. */
export function asStoreFileError<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    const reason = sqliteFault(err);
    if (reason === null) throw err;
    throw new StoreFileError(file, reason, err);
  }
}

export interface OpenedDatabase {
  db: Database.Database;
  /** A copy in memory of the file as it was when opened: later runs do not show in it. */
  snapshot: boolean;
}

/**
 * Opens `file` for `mode`; see the module comment for what each mode promises. `live` (a server)
 * reads through SQLite, so that runs stored later show, and takes a snapshot only where SQLite
 * cannot read the file in place.
 */
export function openDatabaseFile(
  file: string,
  mode: OpenMode,
  { live = false }: { live?: boolean } = {},
): OpenedDatabase {
  if (file === ':memory:') {
    if (mode === 'read')
      throw new StoreFileError(file, 'is an empty in-memory database: name a file');
    return { db: configured(new Database(file), file, mode), snapshot: false };
  }
  checkFile(file, mode);
  return asStoreFileError(file, () =>
    mode === 'write' ? { db: openForWrite(file), snapshot: false } : openForRead(file, live),
  );
}

/** What can be told from the file system alone, before SQLite sees the file. */
function checkFile(file: string, mode: OpenMode): void {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new StoreFileError(file, 'is a directory, not a database file');
    if (!st.isFile()) throw new StoreFileError(file, 'is not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof StoreFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && mode === 'read') {
      throw new StoreFileError(
        file,
        'does not exist: this command only reads, and creates nothing (npm run bench stores a run)',
      );
    }
    if (code === 'ENOENT') {
      checkCreatable(file);
      return;
    }
    if (code === 'ENOTDIR')
      throw new StoreFileError(file, 'cannot exist: a folder on its path is a file');
    if (code === 'EACCES') throw new StoreFileError(file, 'cannot be accessed: permission denied');
    throw err;
  }
  if (size > 0 && !hasSqliteHeader(file)) {
    throw new StoreFileError(
      file,
      "is not an SQLite database (its first bytes are not SQLite's header)",
    );
  }
  if (mode === 'write' && !canWrite(file)) {
    throw new StoreFileError(
      file,
      'is read-only: bench and import must write the run there (choose another --db, or make the file writable)',
    );
  }
}

/**
 * A missing file is created, with its folders, where the nearest existing folder is writable (a
 * file on the path was refused before, as ENOTDIR).
 */
function checkCreatable(file: string): void {
  let dir = dirname(file);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!canWrite(dir)) {
    throw new StoreFileError(file, `cannot be created: the folder ${dir} is read-only`);
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function hasSqliteHeader(file: string): boolean {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

function openForWrite(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before anything is written (WAL mode is a change to the header): another application's
    // file is refused as it is.
    checkSchema(db, file, 'write');
    whenNotBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('foreign_keys = ON');
    migrate(db);
    probeWrite(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Takes the write lock and changes the schema, then rolls back: SQLite says now, before a case is
 * measured, whether this connection may write (a read-only mount, a file SQLite opened
 * read-only). Nothing reaches the file: in WAL mode an uncommitted change stays in memory.
 */
function probeWrite(db: Database.Database): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('CREATE TABLE flushbench_write_probe (x)');
  } finally {
    db.exec('ROLLBACK');
  }
}

function openForRead(file: string, live: boolean): OpenedDatabase {
  if (!live) {
    const snapshot = readSnapshot(file);
    if (snapshot !== null) return { db: configured(snapshot, file, 'read'), snapshot: true };
  }
  const db = readThroughSqlite(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return { db: configured(db, file, 'read'), snapshot: false };
  } catch (err) {
    db.close();
    // A live reader needs SQLite's WAL index beside the file; where the folder is read-only and
    // no writer made one, the file cannot change either: a snapshot shows all there is.
    const code = (err as { code?: string }).code ?? '';
    const snapshot = live && /^SQLITE_(READONLY|CANTOPEN)/.test(code) ? readSnapshot(file) : null;
    if (snapshot === null) throw err;
    return { db: configured(snapshot, file, 'read'), snapshot: true };
  }
}

/**
 * A connection that reads the file in place. Where the file and its folder are writable it is
 * opened read-write but `query_only`: no statement can change anything, and when it closes as
 * the last connection SQLite checkpoints and removes the `-wal` and `-shm` files it had to make
 * (a read-only connection leaves them behind). Elsewhere it is read-only.
 */
function readThroughSqlite(file: string): Database.Database {
  if (!canWrite(file) || !canWrite(dirname(resolve(file)))) {
    return new Database(file, { readonly: true, fileMustExist: true });
  }
  const db = new Database(file, { fileMustExist: true });
  db.pragma('query_only = ON');
  return db;
}

/** The file, read once and opened in memory; null when no consistent copy can be taken. */
function readSnapshot(file: string): Database.Database | null {
  const before = snapshotable(file);
  if (before === null) return null;
  const bytes = readFileSync(file);
  const after = snapshotable(file);
  // Unchanged while it was read, and still no other connection: a consistent copy.
  if (after === null || after.mtimeMs !== before.mtimeMs || after.size !== bytes.length)
    return null;
  // An in-memory database cannot be in WAL mode: say "rollback journal" in the copy's header.
  for (const i of HEADER_WAL_BYTES) if (bytes.length > i && bytes[i] === 2) bytes[i] = 1;
  return new Database(bytes, { readonly: true });
}

/** The file's stat when a snapshot of it is consistent: no other connection has it open. */
function snapshotable(file: string): { mtimeMs: number; size: number } | null {
  if (existsSync(`${file}-wal`) || existsSync(`${file}-journal`)) return null;
  const st = statSync(file);
  return st.size <= SNAPSHOT_MAX_BYTES ? { mtimeMs: st.mtimeMs, size: st.size } : null;
}

/** Foreign keys, the schema check and (to write) the migrations: for a read, or in memory. */
function configured(db: Database.Database, file: string, mode: OpenMode): Database.Database {
  try {
    db.pragma('foreign_keys = ON');
    checkSchema(db, file, mode);
    if (mode === 'write') migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * flushbench's own database, or an empty one: anything else is refused, never altered. Ours has
 * a user_version from 1 to SCHEMA_VERSION and a runs table with flushbench's columns.
 */
function checkSchema(db: Database.Database, file: string, mode: OpenMode): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  if (version === 0 && tables.length === 0) {
    if (mode === 'read') {
      throw new StoreFileError(
        file,
        'is an empty database: no run is stored in it yet (npm run bench stores one)',
      );
    }
    return;
  }
  const runColumns = tables.includes('runs')
    ? (db.prepare("SELECT name FROM pragma_table_info('runs')").all() as { name: string }[]).map(
        (c) => c.name,
      )
    : [];
  if (version === 0 || !runColumns.includes('flushbench_version')) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '');
    throw new StoreFileError(
      file,
      `is not a flushbench database (its tables: ${shown || 'none'}; user_version ${version}): flushbench leaves it as it is`,
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreFileError(
      file,
      `has schema version ${version}, newer than this flushbench's ${SCHEMA_VERSION}: upgrade flushbench`,
    );
  }
  if (version < SCHEMA_VERSION && mode === 'read') {
    throw new StoreFileError(
      file,
      `has schema version ${version}, older than this flushbench's ${SCHEMA_VERSION}, and this command only reads: a command that writes (bench, import) upgrades it`,
    );
  }
}

function migrate(db: Database.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
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
      // Pauses this thread 5 ms between tries; nothing notifies PAUSE, so it always times out.
      Atomics.wait(PAUSE, 0, 0, 5);
    }
  }
}

/**
 * The SQLite store: open a file to write or only to read (store-open.ts says what each promises)
 * and resolve refs (a run id, a commit or a prefix, a branch) to runs; the rest lives in the
 * layers below — the connection, writes and reads.
 */

import { VALIDATION_SUITE } from './run-record.js';
import { UnknownRefError } from './store-connection.js';
import { dbPath, type OpenedDatabase, type OpenMode, openDatabaseFile } from './store-open.js';
import { StoreReads } from './store-reads.js';

export { StoreError, UnknownRefError } from './store-connection.js';
export {
  asStoreFileError,
  DEFAULT_DB,
  dbPath,
  type OpenMode,
  StoreFileError,
  sqliteFault,
} from './store-open.js';
export type {
  CaseHistoryRow,
  CaseKind,
  RunSummary,
  StoredCase,
  StoredRun,
} from './stored.js';

export class Store extends StoreReads {
  readonly mode: OpenMode;
  /** A read of the file as it was when opened (see store-open.ts): later runs do not show. */
  readonly snapshot: boolean;

  private constructor(file: string, opened: OpenedDatabase, mode: OpenMode) {
    super(file, opened.db);
    this.mode = mode;
    this.snapshot = opened.snapshot;
  }

  /** Opens to write: creates the file when missing, migrates it, refuses one it cannot write. */
  static open(file: string = dbPath()): Store {
    return new Store(file, openDatabaseFile(file, 'write'), 'write');
  }

  /**
   * Opens only to read: creates nothing, changes nothing, refuses a missing or foreign file.
   * `live` (a server) sees runs stored after it opened.
   */
  static openRead(file: string = dbPath(), opts: { live?: boolean } = {}): Store {
    return new Store(file, openDatabaseFile(file, 'read', opts), 'read');
  }

  /**
   * A ref is a run id, a commit sha or a unique prefix of one (its latest bench run), or a
   * branch name (its latest bench run).
   */
  resolveRef(ref: string, what = '--ref'): number {
    if (/^\d+$/.test(ref)) {
      const row = this.sql('SELECT id FROM runs WHERE id = ?').get(Number(ref)) as
        | { id: number }
        | undefined;
      if (row) return row.id;
    }
    if (/^[0-9a-f]{4,40}$/i.test(ref)) {
      const shas = this.db
        .prepare('SELECT DISTINCT commit_sha FROM runs WHERE commit_sha LIKE ?')
        .all(`${ref.toLowerCase()}%`) as { commit_sha: string }[];
      if (shas.length > 1) {
        throw new UnknownRefError(
          `${what} ${ref} is ambiguous: it is a prefix of ${shas.length} commits (${shas.map((s) => s.commit_sha.slice(0, 12)).join(', ')})`,
        );
      }
      const byCommit =
        shas.length === 1 ? this.latestRunWhere('commit_sha = ?', false, shas[0].commit_sha) : null;
      if (byCommit !== null) return byCommit;
    }
    const byBranch = this.latestRunWhere('branch = ?', false, ref);
    if (byBranch !== null) return byBranch;
    throw new UnknownRefError(
      `${what} must be a run id, a commit sha (or a unique prefix) or a branch with a stored run (got ${JSON.stringify(ref)})`,
    );
  }

  latestRunId(): number | null {
    return this.latestRunWhere('1 = 1', false);
  }

  /** The latest run stored before run `runId` (validation runs aside), of any commit. */
  runBefore(runId: number): number | null {
    return this.latestRunWhere(
      'id != ? AND started_at <= (SELECT started_at FROM runs WHERE id = ?)',
      false,
      runId,
      runId,
    );
  }

  /** The latest run of a commit other than `sha` (or of any commit when sha is null). */
  latestRunOfOtherCommit(runId: number): number | null {
    const sha = (
      this.sql('SELECT commit_sha FROM runs WHERE id = ?').get(runId) as {
        commit_sha: string | null;
      }
    ).commit_sha;
    return sha === null
      ? this.latestRunWhere('id != ?', false, runId)
      : this.latestRunWhere('(commit_sha IS NULL OR commit_sha != ?)', false, sha);
  }

  /**
   * A validation run by ref, as validate --base takes it: its id, or a commit sha (a unique
   * prefix) or a branch, whose latest validation run it is.
   */
  resolveValidationRef(ref: string, what = '--base'): number {
    if (/^\d+$/.test(ref)) {
      const row = this.sql('SELECT id, suite FROM runs WHERE id = ?').get(Number(ref)) as
        | { id: number; suite: string }
        | undefined;
      if (row?.suite === VALIDATION_SUITE) return row.id;
      if (row) {
        throw new UnknownRefError(
          `${what} must name a validation run (flushbench validate); run ${ref} is a bench run of suite ${row.suite}`,
        );
      }
    }
    if (/^[0-9a-f]{4,40}$/i.test(ref)) {
      const shas = this.db
        .prepare(
          `SELECT DISTINCT commit_sha FROM runs WHERE commit_sha LIKE ? AND suite = '${VALIDATION_SUITE}'`,
        )
        .all(`${ref.toLowerCase()}%`) as { commit_sha: string }[];
      if (shas.length > 1) {
        throw new UnknownRefError(
          `${what} ${ref} is ambiguous: it is a prefix of ${shas.length} commits (${shas.map((s) => s.commit_sha.slice(0, 12)).join(', ')})`,
        );
      }
      if (shas.length === 1) {
        const byCommit = this.latestRunWhere('commit_sha = ?', true, shas[0].commit_sha);
        if (byCommit !== null) return byCommit;
      }
    }
    const byBranch = this.latestRunWhere('branch = ?', true, ref);
    if (byBranch !== null) return byBranch;
    throw new UnknownRefError(
      `${what} must be a validation run's id, or a commit sha (or a unique prefix) or a branch with a stored validation run (got ${JSON.stringify(ref)})`,
    );
  }

  /** The latest validation run of a commit other than this one's (any other, when it has none). */
  latestValidationOfOtherCommit(runId: number): number | null {
    const sha = (
      this.sql('SELECT commit_sha FROM runs WHERE id = ?').get(runId) as {
        commit_sha: string | null;
      }
    ).commit_sha;
    return sha === null
      ? this.latestRunWhere('id != ?', true, runId)
      : this.latestRunWhere('(commit_sha IS NULL OR commit_sha != ?)', true, sha);
  }

  /**
   * The latest bench run (or validation run) that matches: validation runs are reached by their
   * own refs, a commit, a branch or "the latest" bench run is never one.
   */
  private latestRunWhere(where: string, validation: boolean, ...params: unknown[]): number | null {
    const row = this.db
      .prepare(
        `SELECT id FROM runs WHERE (${where}) AND suite ${validation ? '=' : '!='} '${VALIDATION_SUITE}' ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .get(...params) as { id: number } | undefined;
    return row?.id ?? null;
  }
}

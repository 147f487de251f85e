/**
 * The SQLite store (better-sqlite3). One file, WAL so readers never block the writer, a busy
 * timeout so two benches writing at once both get their turn, foreign keys on. A run is written
 * in one transaction: it is in the file whole, or not at all.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type ErrorCode, ErrorCodes } from '../common/errors.js';
import type { CaseRecord, RunRecord } from './run-record.js';
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

export interface RunSummary {
  id: number;
  uuid: string;
  startedAt: string;
  endedAt: string;
  commitSha: string | null;
  commitSubject: string | null;
  commitTime: string | null;
  branch: string | null;
  dirty: boolean | null;
  suite: string;
  profile: string;
  cases: number;
  failures: number;
}

export interface StoredCase
  extends Omit<CaseRecord, 'samplesNs' | 'modeledCyclesSamples' | 'trace'> {
  id: number;
  hasTrace: boolean;
}

export interface CaseKind {
  key: string;
  protocol: string;
  workload: string;
  cpus: number;
  pages: number;
  profile: string;
  runs: number;
}

export interface CaseHistoryRow {
  caseId: number;
  runId: number;
  commitSha: string | null;
  commitSubject: string | null;
  commitTime: string | null;
  branch: string | null;
  startedAt: string;
  modeledMean: number | null;
  wallP50: number | null;
  wallP99: number | null;
}

export interface StoredRun extends Omit<RunRecord, 'cases'> {
  id: number;
  cases: StoredCase[];
}

/** The database file: --db, else FLUSHBENCH_DB, else data/flushbench.db. */
export function dbPath(flag?: string): string {
  return resolve(flag ?? process.env.FLUSHBENCH_DB ?? DEFAULT_DB);
}

function toBlob(values: ArrayLike<number>): Buffer {
  const f64 = Float64Array.from(values);
  return Buffer.from(f64.buffer, f64.byteOffset, f64.byteLength);
}

function fromBlob(blob: Buffer | null): number[] {
  if (!blob) return [];
  const copy = new Uint8Array(blob).slice().buffer;
  return Array.from(new Float64Array(copy));
}

export class Store {
  readonly db: Database.Database;
  readonly file: string;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  static open(file: string = dbPath()): Store {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return new Store(file, db);
  }

  close(): void {
    this.db.close();
  }

  /** Prepared once per SQL text: preparing costs more than running these small queries. */
  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (stmt === undefined) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  /** Writes a run and its cases in one transaction; returns the run's id. */
  insertRun(run: RunRecord): number {
    const insertRun = this.sql(`
      INSERT INTO runs (uuid, commit_sha, branch, dirty, commit_subject, commit_time, started_at,
        ended_at, hostname, cpu_model, cores, os, node_version, flushbench_version, suite, profile, config,
        case_count, failure_count)
      VALUES (@uuid, @commitSha, @branch, @dirty, @commitSubject, @commitTime, @startedAt,
        @endedAt, @hostname, @cpuModel, @cores, @os, @nodeVersion, @flushbenchVersion, @suite, @profile, @config,
        @caseCount, @failureCount)`);
    const insertCase = this.sql(`
      INSERT INTO cases (run_id, commit_order, key, protocol, workload, cpus, pages, profile, status, error,
        wall_p50_ns, wall_p99_ns, wall_mean_ns, wall_min_ns, wall_max_ns, wall_rme, samples_count,
        modeled_p50, modeled_mean, modeled_p99, modeled_iteration_mean, modeled_handler_mean,
        counters, checked_accesses, stale_uses, lost_writes, ack_window_violations,
        freed_table_walks, first_violation)
      VALUES (@runId, @commitOrder, @key, @protocol, @workload, @cpus, @pages, @profile, @status, @error,
        @wallP50, @wallP99, @wallMean, @wallMin, @wallMax, @wallRme, @samplesCount,
        @modeledP50, @modeledMean, @modeledP99, @modeledIterationMean, @modeledHandlerMean,
        @counters, @checkedAccesses, @staleUses, @lostWrites, @ackWindowViolations,
        @freedTableWalks, @firstViolation)`);
    const insertSamples = this.sql(
      'INSERT INTO samples (case_id, wall_ns, modeled_cycles, total) VALUES (?, ?, ?, ?)',
    );
    const insertTrace = this.sql('INSERT INTO traces (case_id, events, steps) VALUES (?, ?, ?)');
    const write = this.db.transaction((r: RunRecord): number => {
      const runId = Number(
        insertRun.run({
          uuid: r.uuid,
          commitSha: r.commit?.sha ?? null,
          branch: r.commit?.branch ?? null,
          dirty: r.commit ? (r.commit.dirty ? 1 : 0) : null,
          commitSubject: r.commit?.subject ?? null,
          commitTime: r.commit?.time ?? null,
          startedAt: r.startedAt,
          endedAt: r.endedAt,
          hostname: r.host.hostname,
          cpuModel: r.host.cpuModel,
          cores: r.host.cores,
          os: r.host.os,
          nodeVersion: r.host.nodeVersion,
          flushbenchVersion: r.flushbenchVersion,
          suite: r.suite,
          profile: r.profile,
          config: JSON.stringify(r.config),
          caseCount: r.cases.length,
          failureCount: r.cases.filter((c) => c.status !== 'completed').length,
        }).lastInsertRowid,
      );
      // Commit order as one sortable string: times in UTC ISO form, then the run id.
      const commitOrder = `${utc(r.commit?.time ?? r.startedAt)}|${utc(r.startedAt)}|${String(runId).padStart(12, '0')}`;
      for (const c of r.cases) {
        const caseId = Number(
          insertCase.run({
            runId,
            commitOrder,
            key: c.key,
            protocol: c.protocol,
            workload: c.workload,
            cpus: c.cpus,
            pages: c.pages,
            profile: c.profile,
            status: c.status,
            error: c.error ? JSON.stringify(c.error) : null,
            wallP50: c.wallNs?.p50 ?? null,
            wallP99: c.wallNs?.p99 ?? null,
            wallMean: c.wallNs?.mean ?? null,
            wallMin: c.wallNs?.min ?? null,
            wallMax: c.wallNs?.max ?? null,
            wallRme: c.wallNs?.rme ?? null,
            samplesCount: c.wallNs?.count ?? null,
            modeledP50: c.modeledCycles?.p50 ?? null,
            modeledMean: c.modeledCycles?.mean ?? null,
            modeledP99: c.modeledCycles?.p99 ?? null,
            modeledIterationMean: c.modeledCycles?.iterationMean ?? null,
            modeledHandlerMean: c.modeledCycles?.remoteHandlerMean ?? null,
            counters: c.counters ? JSON.stringify(c.counters) : null,
            checkedAccesses: c.oracle?.checkedAccesses ?? null,
            staleUses: c.oracle?.staleUses ?? null,
            lostWrites: c.oracle?.lostWrites ?? null,
            ackWindowViolations: c.oracle?.ackWindowViolations ?? null,
            freedTableWalks: c.oracle?.freedTableWalks ?? null,
            firstViolation: c.oracle?.firstViolation
              ? JSON.stringify(c.oracle.firstViolation)
              : null,
          }).lastInsertRowid,
        );
        if (c.samplesNs.length > 0 || c.modeledCyclesSamples.length > 0) {
          insertSamples.run(
            caseId,
            toBlob(c.samplesNs),
            toBlob(c.modeledCyclesSamples),
            c.samplesTotal,
          );
        }
        if (c.trace) {
          insertTrace.run(
            caseId,
            JSON.stringify(c.trace.events),
            c.trace.steps ? JSON.stringify(c.trace.steps) : null,
          );
        }
      }
      return runId;
    });
    // BEGIN IMMEDIATE: take the write lock up front, so a concurrent writer waits (busy
    // timeout) instead of failing on a lock upgrade.
    return write.immediate(run);
  }

  /** The id of a run with this uuid, if stored. */
  runIdByUuid(uuid: string): number | null {
    const row = this.sql('SELECT id FROM runs WHERE uuid = ?').get(uuid) as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  listRuns(
    opts: { limit?: number; offset?: number; branch?: string; commit?: string } = {},
  ): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: opts.limit ?? 20, offset: opts.offset ?? 0 };
    if (opts.branch !== undefined) {
      where.push('r.branch = @branch');
      params.branch = opts.branch;
    }
    if (opts.commit !== undefined) {
      where.push('r.commit_sha LIKE @commit');
      params.commit = `${opts.commit.toLowerCase()}%`;
    }
    const rows = this.db
      .prepare(
        `SELECT r.id, r.uuid, r.started_at, r.ended_at, r.commit_sha, r.commit_subject, r.commit_time,
           r.branch, r.dirty, r.suite, r.profile, r.case_count AS cases, r.failure_count AS failures
         FROM runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY r.started_at DESC, r.id DESC LIMIT @limit OFFSET @offset`,
      )
      .all(params) as Record<string, unknown>[];
    return rows.map(runSummaryOf);
  }

  getRun(id: number): StoredRun | null {
    const r = this.sql('SELECT * FROM runs WHERE id = ?').get(id) as
      | Record<string, unknown>
      | undefined;
    if (!r) return null;
    const cases = (
      this.db
        .prepare(
          `SELECT c.*, EXISTS (SELECT 1 FROM traces t WHERE t.case_id = c.id) AS has_trace,
             s.total AS samples_total
           FROM cases c LEFT JOIN samples s ON s.case_id = c.id WHERE c.run_id = ? ORDER BY c.id`,
        )
        .all(id) as Record<string, unknown>[]
    ).map(storedCaseOf);
    return {
      id: r.id as number,
      uuid: r.uuid as string,
      commit:
        r.commit_sha === null
          ? null
          : {
              sha: r.commit_sha as string,
              branch: r.branch as string | null,
              dirty: r.dirty === 1,
              subject: r.commit_subject as string,
              time: r.commit_time as string,
            },
      startedAt: r.started_at as string,
      endedAt: r.ended_at as string,
      host: {
        hostname: r.hostname as string,
        cpuModel: r.cpu_model as string,
        cores: r.cores as number,
        os: r.os as string,
        nodeVersion: r.node_version as string,
      },
      flushbenchVersion: r.flushbench_version as string,
      suite: r.suite as string,
      profile: r.profile as string,
      config: JSON.parse(r.config as string),
      cases,
    };
  }

  /** A case's samples: wall-clock ns and modeled cycles. */
  getSamples(
    caseId: number,
  ): { samplesNs: number[]; modeledCyclesSamples: number[]; total: number } | null {
    const row = this.db
      .prepare('SELECT wall_ns, modeled_cycles, total FROM samples WHERE case_id = ?')
      .get(caseId) as
      | { wall_ns: Buffer; modeled_cycles: Buffer | null; total: number | null }
      | undefined;
    if (!row) return null;
    const samplesNs = fromBlob(row.wall_ns);
    return {
      samplesNs,
      modeledCyclesSamples: fromBlob(row.modeled_cycles),
      total: row.total ?? samplesNs.length,
    };
  }

  getTrace(caseId: number): { events: unknown[]; steps: unknown[] | null } | null {
    const row = this.sql('SELECT events, steps FROM traces WHERE case_id = ?').get(caseId) as
      | { events: string; steps: string | null }
      | undefined;
    return row
      ? { events: JSON.parse(row.events), steps: row.steps ? JSON.parse(row.steps) : null }
      : null;
  }

  /** One case's stored results across runs, newest first (the history of a case). */
  caseHistoryRows(key: string, limit: number): CaseHistoryRow[] {
    return this.db
      .prepare(
        `SELECT c.id AS caseId, r.id AS runId, r.commit_sha AS commitSha, r.commit_subject AS commitSubject,
             r.commit_time AS commitTime, r.branch, r.started_at AS startedAt,
             c.modeled_mean AS modeledMean, c.wall_p50_ns AS wallP50, c.wall_p99_ns AS wallP99
           FROM cases c JOIN runs r ON r.id = c.run_id
           WHERE c.key = ? AND c.status != 'errored'
           ORDER BY c.commit_order DESC
           LIMIT ?`,
      )
      .all(key, limit) as CaseHistoryRow[];
  }

  /** Every case ever measured (by key), with the number of runs that have it. */
  listCaseKinds(): CaseKind[] {
    return this.sql(
      `SELECT key, protocol, workload, cpus, pages, profile, count(*) AS runs
       FROM cases GROUP BY key ORDER BY profile, workload, protocol, cpus, pages`,
    ).all() as CaseKind[];
  }

  /** Moves whenever another connection commits to the file (PRAGMA data_version). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** The number of stored runs. */
  countRuns(): number {
    return (this.sql('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  }

  /** The whole run in the shape it was written in (export, push). */
  getRunRecord(id: number): RunRecord | null {
    const run = this.getRun(id);
    if (!run) return null;
    const { id: _id, cases, ...rest } = run;
    return {
      ...rest,
      cases: cases.map(({ id: caseId, hasTrace, ...c }) => {
        const s = this.getSamples(caseId);
        return {
          ...c,
          samplesNs: s?.samplesNs ?? [],
          samplesTotal: s?.total ?? 0,
          modeledCyclesSamples: s?.modeledCyclesSamples ?? [],
          trace: hasTrace ? this.getTrace(caseId) : null,
        };
      }),
    };
  }

  /**
   * A ref is a run id, a commit sha or a unique prefix of one (its latest run), or a branch
   * name (its latest run).
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
      if (shas.length === 1) return this.latestRunWhere('commit_sha = ?', shas[0].commit_sha)!;
    }
    const byBranch = this.latestRunWhere('branch = ?', ref);
    if (byBranch !== null) return byBranch;
    throw new UnknownRefError(
      `${what} must be a run id, a commit sha (or a unique prefix) or a branch with a stored run (got ${JSON.stringify(ref)})`,
    );
  }

  latestRunId(): number | null {
    return this.latestRunWhere('1 = 1');
  }

  /** The latest run of a commit other than `sha` (or of any commit when sha is null). */
  latestRunOfOtherCommit(runId: number): number | null {
    const sha = (
      this.sql('SELECT commit_sha FROM runs WHERE id = ?').get(runId) as {
        commit_sha: string | null;
      }
    ).commit_sha;
    return sha === null
      ? this.latestRunWhere('id != ?', runId)
      : this.latestRunWhere('(commit_sha IS NULL OR commit_sha != ?)', sha);
  }

  private latestRunWhere(where: string, ...params: unknown[]): number | null {
    const row = this.db
      .prepare(`SELECT id FROM runs WHERE ${where} ORDER BY started_at DESC, id DESC LIMIT 1`)
      .get(...params) as { id: number } | undefined;
    return row?.id ?? null;
  }
}

/** Times are stored in UTC ISO 8601 so that they sort as text (git gives local offsets). */
function utc(time: string): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? time : new Date(t).toISOString();
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

function runSummaryOf(r: Record<string, unknown>): RunSummary {
  return {
    id: r.id as number,
    uuid: r.uuid as string,
    startedAt: r.started_at as string,
    endedAt: r.ended_at as string,
    commitSha: r.commit_sha as string | null,
    commitSubject: r.commit_subject as string | null,
    commitTime: r.commit_time as string | null,
    branch: r.branch as string | null,
    dirty: r.dirty === null ? null : r.dirty === 1,
    suite: r.suite as string,
    profile: r.profile as string,
    cases: r.cases as number,
    failures: r.failures as number,
  };
}

function storedCaseOf(c: Record<string, unknown>): StoredCase {
  const completedWall = c.wall_p50_ns !== null;
  return {
    id: c.id as number,
    key: c.key as string,
    protocol: c.protocol as string,
    workload: c.workload as string,
    cpus: c.cpus as number,
    pages: c.pages as number,
    profile: c.profile as string,
    status: c.status as StoredCase['status'],
    error: c.error ? JSON.parse(c.error as string) : null,
    wallNs: completedWall
      ? {
          p50: c.wall_p50_ns as number,
          p99: c.wall_p99_ns as number,
          mean: c.wall_mean_ns as number,
          min: c.wall_min_ns as number,
          max: c.wall_max_ns as number,
          rme: c.wall_rme as number | null,
          count: c.samples_count as number,
        }
      : null,
    modeledCycles:
      c.modeled_p50 !== null
        ? {
            p50: c.modeled_p50 as number,
            mean: c.modeled_mean as number,
            p99: c.modeled_p99 as number,
            iterationMean: c.modeled_iteration_mean as number,
            remoteHandlerMean: c.modeled_handler_mean as number,
          }
        : null,
    counters: c.counters ? JSON.parse(c.counters as string) : null,
    oracle:
      c.checked_accesses !== null
        ? {
            checkedAccesses: c.checked_accesses as number,
            staleUses: c.stale_uses as number,
            lostWrites: c.lost_writes as number,
            ackWindowViolations: c.ack_window_violations as number | null,
            freedTableWalks: c.freed_table_walks as number | null,
            firstViolation: c.first_violation ? JSON.parse(c.first_violation as string) : null,
          }
        : null,
    samplesTotal: (c.samples_total as number | null) ?? 0,
    hasTrace: c.has_trace === 1,
  };
}

/** Reading runs back: summaries, whole runs and cases, samples, traces, a case's history. */
import type { CaseRecord, RunRecord } from './run-record.js';
import { fromBlob } from './store-connection.js';
import { StoreWrites } from './store-writes.js';

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

export abstract class StoreReads extends StoreWrites {
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

/** Reading runs back: summaries, whole runs and cases, samples, traces, a case's history. */

import { statsOfRow } from './case-columns.js';
import {
  type CaseRecord,
  type caseExecution,
  type Engine,
  type RunRecord,
  type Schedule,
  type StoredVerdict,
  type Trace,
  VALIDATION_SUITE,
} from './run-record.js';
import { fromBlob } from './store-connection.js';
import { StoreSweeps } from './store-sweeps.js';
import type { CaseHistoryRow, CaseKind, RunSummary, StoredCase, StoredRun } from './stored.js';

export abstract class StoreReads extends StoreSweeps {
  /** The uuid of run `id`, if stored. */
  uuidOf(id: number): string | null {
    const row = this.sql('SELECT uuid FROM runs WHERE id = ?').get(id) as
      | { uuid: string }
      | undefined;
    return row?.uuid ?? null;
  }

  /** The id of a run with this uuid, if stored. */
  runIdByUuid(uuid: string): number | null {
    const row = this.sql('SELECT id FROM runs WHERE uuid = ?').get(uuid) as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  listRuns(
    opts: {
      limit?: number;
      offset?: number;
      branch?: string;
      commit?: string;
      suite?: string;
    } = {},
  ): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: opts.limit ?? 20, offset: opts.offset ?? 0 };
    if (opts.branch !== undefined) {
      where.push('r.branch = @branch');
      params.branch = opts.branch;
    }
    if (opts.suite !== undefined) {
      where.push('r.suite = @suite');
      params.suite = opts.suite;
    }
    if (opts.commit !== undefined) {
      where.push('r.commit_sha LIKE @commit');
      params.commit = `${opts.commit.toLowerCase()}%`;
    }
    const rows = this.db
      .prepare(
        `SELECT r.id, r.uuid, r.started_at, r.ended_at, r.commit_sha, r.commit_subject, r.commit_time,
           r.branch, r.dirty, r.suite, r.profile, r.case_count AS cases, r.failure_count AS failures,
           (SELECT count(*) FROM traces t JOIN cases c ON c.id = t.case_id WHERE c.run_id = r.id) AS traced,
           CASE WHEN r.suite = '${VALIDATION_SUITE}' THEN json_extract(r.config, '$.score.within') END AS score_within,
           CASE WHEN r.suite = '${VALIDATION_SUITE}' THEN json_extract(r.config, '$.score.of') END AS score_of
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
      ...(r.sweep === null || r.sweep === undefined
        ? {}
        : { sweep: JSON.parse(r.sweep as string) }),
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

  getTrace(caseId: number): Trace | null {
    const row = this.sql('SELECT events, steps FROM traces WHERE case_id = ?').get(caseId) as
      | { events: string; steps: string | null }
      | undefined;
    return row
      ? { events: JSON.parse(row.events), steps: row.steps ? JSON.parse(row.steps) : null }
      : null;
  }

  /**
   * One case's stored results across runs, newest first (the history of a case), of one branch
   * and one host when they are given.
   */
  caseHistoryRows(
    key: string,
    limit: number,
    filter: { branch?: string | null; host?: string | null } = {},
  ): CaseHistoryRow[] {
    const branch = filter.branch ?? null;
    const host = filter.host ?? null;
    return this.sql(
      `SELECT c.id AS caseId, r.id AS runId, r.commit_sha AS commitSha, r.commit_subject AS commitSubject,
           r.commit_time AS commitTime, r.branch, r.hostname, r.started_at AS startedAt,
           c.modeled_mean AS modeledMean, c.wall_p50_ns AS wallP50, c.wall_p99_ns AS wallP99,
           c.engine
         FROM cases c JOIN runs r ON r.id = c.run_id
         WHERE c.key = @key AND c.status != 'errored'
           AND (@branch IS NULL OR r.branch = @branch) AND (@host IS NULL OR r.hostname = @host)
         ORDER BY c.commit_order DESC
         LIMIT @limit`,
    ).all({ key, branch, host, limit }) as CaseHistoryRow[];
  }

  /** The branches and hosts whose runs measured a case, the most recent first. */
  caseHistorySources(key: string): { branches: string[]; hosts: string[] } {
    const rows = this.sql(
      `SELECT r.branch, r.hostname, max(c.commit_order) AS latest
         FROM cases c JOIN runs r ON r.id = c.run_id
         WHERE c.key = ? GROUP BY r.branch, r.hostname ORDER BY latest DESC`,
    ).all(key) as { branch: string | null; hostname: string }[];
    const distinct = (xs: (string | null)[]) =>
      [...new Set(xs)].filter((x): x is string => x !== null);
    return {
      branches: distinct(rows.map((r) => r.branch)),
      hosts: distinct(rows.map((r) => r.hostname)),
    };
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
    return { ...rest, cases: cases.map((c) => this.caseRecordOf(c)) };
  }

  private caseRecordOf(stored: StoredCase): CaseRecord {
    const { id, hasTrace, ...c } = stored;
    if (c.status === 'errored') {
      return { ...c, samplesNs: [], modeledCyclesSamples: [], trace: null };
    }
    const s = this.getSamples(id);
    return {
      ...c,
      samplesNs: s?.samplesNs ?? [],
      samplesTotal: s?.total ?? 0,
      modeledCyclesSamples: s?.modeledCyclesSamples ?? [],
      trace: hasTrace ? this.getTrace(id) : null,
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
    traced: r.traced as number,
    ...(typeof r.score_of === 'number'
      ? { fidelity: { within: r.score_within as number, of: r.score_of } }
      : {}),
  };
}

/**
 * A case row as the union on status. An errored row reads back as its error alone, whatever a
 * flushbench before the union kept beside it (a missed negative control kept its statistics).
 */
function storedCaseOf(c: Record<string, unknown>): StoredCase {
  const identity = {
    id: c.id as number,
    key: c.key as string,
    protocol: c.protocol as string,
    workload: c.workload as string,
    cpus: c.cpus as number,
    pages: c.pages as number,
    profile: c.profile as string,
    ...executionOfRow(c),
    verdict: verdictOfRow(c),
  };
  if (c.status === 'errored') {
    return {
      ...identity,
      status: 'errored',
      error: JSON.parse(c.error as string),
      wallNs: null,
      modeledCycles: null,
      counters: null,
      oracle: null,
      samplesTotal: 0,
      hasTrace: false,
    };
  }
  return {
    ...identity,
    status: c.status as 'completed' | 'violated',
    error: null,
    ...statsOfRow(c),
    counters: JSON.parse(c.counters as string),
    kernel: typeof c.kernel === 'string' ? JSON.parse(c.kernel) : null,
    samplesTotal: (c.samples_total as number | null) ?? 0,
    hasTrace: c.has_trace === 1,
  };
}

/** How a case was run, as written: a NULL column reads back absent (a run from before it). */
function executionOfRow(
  c: Record<string, unknown>,
): Pick<StoredCase, Exclude<keyof typeof caseExecution, 'verdict'>> {
  return {
    ...(c.host === null || c.host === undefined ? {} : { host: JSON.parse(c.host as string) }),
    ...(c.engine === null ? {} : { engine: c.engine as Engine }),
    ...(c.workers === null ? {} : { workers: c.workers as number }),
    ...(c.schedule === null
      ? {}
      : { schedule: JSON.parse(c.schedule as string) as Schedule | null }),
  };
}

/** A stored case's verdict (migrations 9 and 10 gave every case one, wall speedup included). */
function verdictOfRow(c: Record<string, unknown>): StoredVerdict {
  return JSON.parse(c.verdict as string) as StoredVerdict;
}

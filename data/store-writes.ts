/** Writing a run: all of it in one transaction, or nothing. */
import { STAT_COLUMNS, statColumnsOf } from './case-columns.js';
import { completeVerdicts } from './case-verdict.js';
import type { RunRecord } from './run-record.js';
import { StoreConnection, toBlob } from './store-connection.js';

export abstract class StoreWrites extends StoreConnection {
  /** Writes a run and its cases in one transaction; returns the run's id. */
  insertRun(run: RunRecord): number {
    const insertRun = this.sql(`
      INSERT INTO runs (uuid, commit_sha, branch, dirty, commit_subject, commit_time, started_at,
        ended_at, hostname, cpu_model, cores, os, node_version, flushbench_version, suite, profile, config,
        case_count, failure_count, sweep)
      VALUES (@uuid, @commitSha, @branch, @dirty, @commitSubject, @commitTime, @startedAt,
        @endedAt, @hostname, @cpuModel, @cores, @os, @nodeVersion, @flushbenchVersion, @suite, @profile, @config,
        @caseCount, @failureCount, @sweep)`);
    const columns = STAT_COLUMNS.map((c) => c.column);
    const insertCase = this.sql(`
      INSERT INTO cases (run_id, commit_order, key, protocol, workload, cpus, pages, profile, status,
        error, counters, kernel, engine, workers, schedule, host, verdict, ${columns.join(', ')})
      VALUES (@runId, @commitOrder, @key, @protocol, @workload, @cpus, @pages, @profile, @status,
        @error, @counters, @kernel, @engine, @workers, @schedule, @host, @verdict, ${columns.map((c) => `@${c}`).join(', ')})`);
    const insertSamples = this.sql(
      'INSERT INTO samples (case_id, wall_ns, modeled_cycles, total) VALUES (?, ?, ?, ?)',
    );
    const insertTrace = this.sql('INSERT INTO traces (case_id, events, steps) VALUES (?, ?, ?)');
    const write = (r: RunRecord): number => {
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
          sweep: r.sweep === undefined ? null : JSON.stringify(r.sweep),
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
            error: c.status === 'errored' ? JSON.stringify(c.error) : null,
            counters: c.status === 'errored' ? null : JSON.stringify(c.counters),
            kernel: c.kernel ? JSON.stringify(c.kernel) : null,
            // Absent stays NULL (not 'threads'): a run reads back as it was written.
            engine: c.engine ?? null,
            workers: c.workers ?? null,
            schedule: c.schedule === undefined ? null : JSON.stringify(c.schedule),
            host: c.host === undefined ? null : JSON.stringify(c.host),
            verdict: JSON.stringify(c.verdict),
            ...statColumnsOf(c.status === 'errored' ? null : c),
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
    };
    // Inside a caller's transaction (a sweep's last shard), part of it; else a transaction of its
    // own, BEGIN IMMEDIATE: the write lock up front, so a concurrent writer waits (busy
    // timeout) instead of failing on a lock upgrade.
    // Every stored case has a verdict: a record that came without some is judged on its facts.
    const judged = completeVerdicts(run);
    return this.db.inTransaction ? write(judged) : this.db.transaction(write).immediate(judged);
  }
}

/** Times are stored in UTC ISO 8601 so that they sort as text (git gives local offsets). */
function utc(time: string): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? time : new Date(t).toISOString();
}

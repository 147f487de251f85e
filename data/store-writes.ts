/** Writing a run: all of it in one transaction, or nothing. */
import type { RunRecord } from './run-record.js';
import { StoreConnection, toBlob } from './store-connection.js';

export abstract class StoreWrites extends StoreConnection {
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
}

/** Times are stored in UTC ISO 8601 so that they sort as text (git gives local offsets). */
function utc(time: string): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? time : new Date(t).toISOString();
}

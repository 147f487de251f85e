/**
 * The SQLite schema as a list of migrations. PRAGMA user_version holds how many have run; opening
 * a database runs the rest in one transaction, so a database written by an older flushbench
 * opens with a newer one. Never edit a migration that has shipped: add one.
 */

export const MIGRATIONS: readonly string[] = Object.freeze([
  // 1: runs, their cases, and each case's wall-clock samples.
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    commit_sha TEXT,
    branch TEXT,
    dirty INTEGER,
    commit_subject TEXT,
    commit_time TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    hostname TEXT NOT NULL,
    cpu_model TEXT NOT NULL,
    cores INTEGER NOT NULL,
    os TEXT NOT NULL,
    node_version TEXT NOT NULL,
    flushbench_version TEXT NOT NULL,
    suite TEXT NOT NULL,
    profile TEXT NOT NULL,
    config TEXT NOT NULL
  );
  CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    protocol TEXT NOT NULL,
    workload TEXT NOT NULL,
    cpus INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    profile TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('completed', 'violated', 'errored')),
    error TEXT,
    wall_p50_ns REAL,
    wall_p99_ns REAL,
    wall_mean_ns REAL,
    wall_min_ns REAL,
    wall_max_ns REAL,
    wall_rme REAL,
    samples_count INTEGER,
    modeled_p50 REAL,
    modeled_mean REAL,
    modeled_p99 REAL,
    modeled_iteration_mean REAL,
    modeled_handler_mean REAL,
    counters TEXT,
    checked_accesses INTEGER,
    stale_uses INTEGER,
    lost_writes INTEGER,
    first_violation TEXT,
    UNIQUE (run_id, key)
  );
  CREATE TABLE samples (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    wall_ns BLOB NOT NULL
  );
  CREATE INDEX runs_commit ON runs(commit_sha, started_at);
  CREATE INDEX runs_branch ON runs(branch, started_at);
  CREATE INDEX cases_key ON cases(key, run_id);
  `,
  // 2: a run's identity across machines (uploads are recognised), traced flushes, and the
  // modeled samples beside the wall-clock ones, with the count before thinning.
  `
  ALTER TABLE runs ADD COLUMN uuid TEXT;
  UPDATE runs SET uuid = lower(hex(randomblob(16))) WHERE uuid IS NULL;
  CREATE UNIQUE INDEX runs_uuid ON runs(uuid);
  ALTER TABLE samples ADD COLUMN modeled_cycles BLOB;
  ALTER TABLE samples ADD COLUMN total INTEGER;
  CREATE TABLE traces (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    events TEXT NOT NULL,
    steps TEXT
  );
  `,
  // 3: what the dashboard's queries need without scanning: case and failure counts kept on the
  // run, an index for the newest-first listing, and each case's place in commit order (commit
  // time, then start time, then run id) indexed by case key for a case's history.
  `
  ALTER TABLE runs ADD COLUMN case_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN failure_count INTEGER NOT NULL DEFAULT 0;
  UPDATE runs SET
    case_count = (SELECT count(*) FROM cases c WHERE c.run_id = runs.id),
    failure_count = (SELECT count(*) FROM cases c WHERE c.run_id = runs.id AND c.status != 'completed');
  CREATE INDEX runs_started ON runs(started_at, id);
  ALTER TABLE cases ADD COLUMN commit_order TEXT;
  UPDATE cases SET commit_order = (
    SELECT COALESCE(r.commit_time, r.started_at) || '|' || r.started_at || '|' || printf('%012d', r.id)
    FROM runs r WHERE r.id = cases.run_id);
  CREATE INDEX cases_history ON cases(key, commit_order);
  `,
  // 4: the oracle's ack-window rule and freed-table walks beside the observed counts; NULL for
  // cases recorded before the rules existed (not checked, rather than zero).
  `
  ALTER TABLE cases ADD COLUMN ack_window_violations INTEGER;
  ALTER TABLE cases ADD COLUMN freed_table_walks INTEGER;
  `,
  // 5: the modeled system call alone (madvise without the refault), which validate compares
  // with published system-call timings; NULL for cases recorded before it existed.
  `
  ALTER TABLE cases ADD COLUMN modeled_call_mean REAL;
  `,
  // 6: a case measured on the host's own kernel (protocol linux): its touch, iteration, IPIs,
  // CPUs and context as JSON; NULL for simulated cases.
  `
  ALTER TABLE cases ADD COLUMN kernel TEXT;
  `,
  // 7: how a simulated case was run: the engine, its worker threads and, on the cooperative
  // engine, the PCT schedule (JSON). NULL for cases recorded before the cooperative engine, which
  // ran on the threads engine, and for the host's kernel cases.
  `
  ALTER TABLE cases ADD COLUMN engine TEXT CHECK (engine IN ('threads', 'cooperative'));
  ALTER TABLE cases ADD COLUMN workers INTEGER;
  ALTER TABLE cases ADD COLUMN schedule TEXT;
  `,
  // 8: sweeps split into shards. A merged run keeps its sweep (JSON) and each case the host it
  // ran on (JSON; NULL: the run's). Shards the server took before their sweep was complete wait
  // in sweep_shards, outside the runs, until the last one arrives.
  `
  ALTER TABLE runs ADD COLUMN sweep TEXT;
  ALTER TABLE cases ADD COLUMN host TEXT;
  CREATE TABLE sweep_shards (
    sweep_id TEXT NOT NULL,
    shard INTEGER NOT NULL,
    shards INTEGER NOT NULL,
    record TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (sweep_id, shard)
  );
  `,
  // 9: each case's verdict (JSON, run-record.ts CaseVerdict), computed once by the runner. Cases
  // stored before it are judged here on their stored facts, as data/case-verdict.ts does a
  // record without verdicts: the oracle's verdict from the status the bench stored, no baseline
  // named (so no speedup), the wall-clock flags from the engine, the cores and the noise check.
  `
  ALTER TABLE cases ADD COLUMN verdict TEXT;
  UPDATE cases SET verdict = json_object(
    'oracle', CASE
      WHEN status = 'errored' AND json_extract(error, '$.code') = 'FLUSHBENCH_ERR_CONTROL_NOT_CAUGHT'
        THEN 'not-caught'
      WHEN status = 'errored' OR checked_accesses IS NULL THEN 'unchecked'
      WHEN status = 'violated' THEN 'violated'
      WHEN coalesce(stale_uses, 0) + coalesce(lost_writes, 0) + coalesce(ack_window_violations, 0)
        + coalesce(freed_table_walks, 0) > 0 THEN 'caught'
      ELSE 'clean' END,
    'baseline', NULL,
    'speedup', NULL,
    'oversubscribed', json(CASE
      WHEN kernel IS NULL AND cpus > coalesce(json_extract(host, '$.cores'),
          (SELECT cores FROM runs WHERE runs.id = cases.run_id))
        THEN 'true' ELSE 'false' END),
    'noisy', json(CASE
      WHEN (SELECT json_extract(config, '$.noise.noisy') FROM runs WHERE runs.id = cases.run_id) = 1
        THEN 'true' ELSE 'false' END)
  );
  `,
  // 10: each verdict's wall speedup, as data/case-verdict.ts prices it: the wall-clock p50 of the
  // baseline the verdict names over the case's, in the same run, profile, workload, CPU and page
  // count; null where the verdict names no baseline or either p50 is missing.
  `
  UPDATE cases SET verdict = json_set(verdict, '$.wallSpeedup', (
    SELECT b.wall_p50_ns / cases.wall_p50_ns FROM cases AS b
    WHERE b.run_id = cases.run_id
      AND b.protocol = json_extract(cases.verdict, '$.baseline')
      AND b.profile = cases.profile AND b.workload = cases.workload
      AND b.cpus = cases.cpus AND b.pages = cases.pages
      AND b.status != 'errored' AND b.wall_p50_ns > 0 AND cases.wall_p50_ns > 0
    LIMIT 1
  ));
  `,
]);

export const SCHEMA_VERSION = MIGRATIONS.length;

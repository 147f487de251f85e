import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { commitInfo } from '../bench/provenance.js';
import { completeVerdicts } from '../data/case-verdict.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../data/schema.js';
import { Store, UnknownRefError } from '../data/store.js';
import { syntheticCase, syntheticErroredCase, syntheticRun, tempDb } from './helpers.js';

test('a run goes in and comes back whole: cases, samples, modeled samples, trace', () => {
  const store = Store.open(tempDb());
  const trace = {
    events: [{ cpu: 0, event: 'flush-start', cycles: 0 }],
    steps: [{ seq: 0, cpu: 0, step: 'flush-start' }],
  };
  const run = syntheticRun({
    cases: [
      syntheticCase({ protocol: 'sync', trace }),
      syntheticErroredCase({
        protocol: 'concurrent',
        error: { code: 'FLUSHBENCH_ERR_CPU_STUCK', message: 'CPU 1 is stuck' },
      }),
    ],
  });
  const id = store.insertRun(run);
  // Whole, and every case with its verdict (judged on its facts: the record came without).
  assert.deepEqual(store.getRunRecord(id), completeVerdicts(run));
  const [summary] = store.listRuns();
  assert.equal(summary.id, id);
  assert.equal(summary.cases, 2);
  assert.equal(summary.failures, 1);
  assert.equal(store.runIdByUuid(run.uuid), id);
  store.close();
});

test('refs: run id, commit sha or unique prefix, branch; ambiguity and unknown refs are errors', () => {
  const store = Store.open(tempDb());
  const commit = (sha: string, branch: string) => ({
    sha,
    branch,
    dirty: false,
    subject: `s ${sha}`,
    time: '2026-11-01T00:00:00Z',
  });
  const a1 = store.insertRun(
    syntheticRun({ commit: commit('abc1230000', 'main'), startedAt: '2026-11-01T01:00:00Z' }),
  );
  const a2 = store.insertRun(
    syntheticRun({ commit: commit('abc1230000', 'main'), startedAt: '2026-11-01T02:00:00Z' }),
  );
  const b = store.insertRun(
    syntheticRun({ commit: commit('abd4560000', 'feature'), startedAt: '2026-11-01T03:00:00Z' }),
  );
  assert.equal(store.resolveRef(String(a1)), a1);
  assert.equal(store.resolveRef('abc123'), a2, 'a commit means its latest run');
  assert.equal(store.resolveRef('feature'), b);
  assert.equal(store.resolveRef('main'), a2);
  assert.equal(store.latestRunId(), b);
  assert.equal(store.latestRunOfOtherCommit(b), a2);
  assert.throws(() => store.resolveRef('abc', '--base'), /--base must be a run id/);
  assert.throws(() => store.resolveRef('ab'), UnknownRefError);
  assert.throws(() => store.resolveRef('ab12'), /must be a run id/);
  assert.equal(store.resolveRef('abc12'), a2, 'a unique prefix');
  store.insertRun(
    syntheticRun({ commit: commit('abc1299999', 'x'), startedAt: '2026-11-01T04:00:00Z' }),
  );
  assert.throws(() => store.resolveRef('abc12'), /ambiguous: it is a prefix of 2 commits/);
  store.close();
});

test('a database of the first schema opens with this one, its runs intact', () => {
  const file = tempDb();
  const old = new Database(file);
  old.exec(MIGRATIONS[0]);
  old.pragma('user_version = 1');
  old
    .prepare(`INSERT INTO runs (id, commit_sha, branch, dirty, commit_subject, commit_time, started_at, ended_at,
      hostname, cpu_model, cores, os, node_version, flushbench_version, suite, profile, config)
    VALUES (1, 'f00d', 'main', 0, 'old', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z',
      'h', 'cpu', 2, 'Linux', 'v20', '0.0.1', 'smoke', 'xeon-gold-5418y-2s', '{}')`)
    .run();
  old
    .prepare(`INSERT INTO cases (id, run_id, key, protocol, workload, cpus, pages, profile, status,
      wall_p50_ns, wall_p99_ns, wall_mean_ns, wall_min_ns, wall_max_ns, wall_rme, samples_count,
      modeled_p50, modeled_mean, modeled_p99, modeled_iteration_mean, modeled_handler_mean,
      counters, checked_accesses, stale_uses, lost_writes)
    VALUES (1, 1, 'k', 'sync', 'madvise', 2, 1, 'xeon-gold-5418y-2s', 'completed', 1, 2, 1.5, 1, 3, 0.5, 3,
      10, 10, 10, 20, 5, '{}', 9, 0, 0)`)
    .run();
  old
    .prepare('INSERT INTO samples (case_id, wall_ns) VALUES (1, ?)')
    .run(Buffer.from(new Float64Array([1, 2, 3]).buffer));
  old.close();

  const store = Store.open(file);
  assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const run = store.getRunRecord(1)!;
  assert.equal(run.commit?.subject, 'old');
  assert.match(run.uuid, /^[0-9a-f]{32}$/, 'old runs got an identity');
  assert.deepEqual(run.cases[0].samplesNs, [1, 2, 3]);
  assert.equal(run.cases[0].samplesTotal, 3);
  // And the migrated file takes new runs.
  assert.ok(store.insertRun(syntheticRun()) > 1);
  store.close();
});

test('a database from a newer flushbench is refused, not damaged', () => {
  const file = tempDb();
  Store.open(file).close();
  const db = new Database(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  const bytes = readFileSync(file);
  assert.throws(() => Store.open(file), /newer than this flushbench's/);
  assert.throws(() => Store.openRead(file), /newer than this flushbench's/);
  assert.deepEqual(readFileSync(file), bytes);
});

test('outside a git checkout the commit is null', () => {
  assert.equal(commitInfo(mkdtempSync(`${tmpdir()}/flushbench-nogit-`)), null);
  const here = commitInfo();
  assert.ok(here === null || /^[0-9a-f]{40}$/.test(here.sha));
});

test('a validation run is reached by its id: the latest, a commit or a branch mean a bench run', () => {
  const store = Store.open(tempDb());
  const commit = (sha: string) => ({
    sha,
    branch: 'main',
    dirty: false,
    subject: 's',
    time: '2026-11-01T00:00:00Z',
  });
  const bench = store.insertRun(
    syntheticRun({ commit: commit('aaaa1111'), startedAt: '2026-11-01T01:00:00Z' }),
  );
  const validation = store.insertRun(
    syntheticRun({
      suite: 'validate',
      commit: commit('aaaa1111'),
      startedAt: '2026-11-01T02:00:00Z',
    }),
  );
  const onlyValidation = store.insertRun(
    syntheticRun({
      suite: 'validate',
      commit: { ...commit('bbbb2222'), branch: 'v-only' },
      startedAt: '2026-11-01T03:00:00Z',
    }),
  );
  assert.equal(store.latestRunId(), bench);
  assert.equal(store.resolveRef('aaaa1111'), bench);
  assert.equal(store.resolveRef('main'), bench);
  assert.equal(store.resolveRef(String(validation)), validation, 'by id it is reachable');
  assert.throws(() => store.resolveRef('bbbb2222'), /must be a run id, a commit sha/);
  assert.throws(() => store.resolveRef('v-only'), /must be a run id, a commit sha/);
  assert.deepEqual(
    store.listRuns({ suite: 'validate' }).map((r) => r.id),
    [onlyValidation, validation],
  );
  store.close();
});

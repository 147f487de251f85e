/**
 * Each case's verdict is computed once, by the runner, and stored: the oracle's verdict against
 * the protocol table, the speedup over the table's baseline, and whether its wall-clock is
 * oversubscribed or noisy. A record that comes without verdicts is judged on its stored facts;
 * migration 9 judges the cases stored before it; a merge prices speedups over the whole run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runBench } from '../bench/runner.js';
import { completeVerdicts, storedFactsOracle, withVerdicts } from '../data/case-verdict.js';
import { SCHEMA_VERSION } from '../data/schema.js';
import { Store } from '../data/store.js';
import { BASELINE_PROTOCOL, CONTROL_PROTOCOLS, HEADLINE_PROTOCOL } from '../sim/index.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const CONTROL = CONTROL_PROTOCOLS[0];

test('a bench run stores every case’s verdict: oracle, speedup over the baseline, wall flags', async () => {
  const run = await runBench({
    suite: 'verdicts',
    cases: [BASELINE_PROTOCOL, HEADLINE_PROTOCOL, CONTROL].flatMap((protocol) =>
      [1, 2].map((cpus) => ({ protocol, workload: 'madvise' as const, cpus, pages: 1 })),
    ),
    profile: 'xeon-gold-5418y-2s',
    timeMs: 0,
    iterations: 64,
    seed: 1,
    trace: false,
    noiseCheck: false,
  });
  const file = tempDb();
  const store = Store.open(file);
  try {
    const stored = store.getRun(store.insertRun(run))!;
    assert.equal(stored.cases.length, 6);
    const at = (protocol: string, cpus: number) =>
      stored.cases.find((c) => c.protocol === protocol && c.cpus === cpus)!;
    for (const cpus of [1, 2]) {
      const base = at(BASELINE_PROTOCOL, cpus);
      const head = at(HEADLINE_PROTOCOL, cpus);
      assert.equal(base.verdict.baseline, BASELINE_PROTOCOL);
      assert.equal(base.verdict.speedup, 1);
      assert.equal(
        head.verdict.speedup,
        base.modeledCycles!.p50 / head.modeledCycles!.p50,
        `${HEADLINE_PROTOCOL} at ${cpus} CPUs`,
      );
      assert.equal(base.verdict.wallSpeedup, 1);
      assert.equal(head.verdict.wallSpeedup, base.wallNs!.p50 / head.wallNs!.p50);
      assert.equal(base.verdict.oracle, 'clean');
      assert.equal(base.verdict.oversubscribed, cpus > run.host.cores);
      assert.equal(base.verdict.noisy, false);
    }
    // A control is caught where it can break its guarantee, and not applicable at one CPU.
    assert.equal(at(CONTROL, 2).verdict.oracle, 'caught');
    assert.equal(at(CONTROL, 1).verdict.oracle, 'not-applicable');
    // The record the runner returns carries the same verdicts the store holds.
    assert.deepEqual(
      run.cases.map((c) => c.verdict),
      stored.cases.map((c) => c.verdict),
    );
  } finally {
    store.close();
  }
});

test('a record without verdicts is judged on its stored facts, with no baseline named', () => {
  const file = tempDb();
  const store = Store.open(file);
  try {
    const run = syntheticRun({
      config: { suite: 'smoke', noise: { noisy: true, reason: 'busy' } },
      cases: [syntheticCase({ protocol: 'sync', cpus: 4 })],
    });
    assert.equal(run.cases[0].verdict, undefined);
    const [c] = store.getRun(store.insertRun(run))!.cases;
    assert.deepEqual(c.verdict, {
      oracle: 'clean',
      baseline: null,
      speedup: null,
      wallSpeedup: null,
      oversubscribed: 4 > run.host.cores,
      noisy: true,
    });
  } finally {
    store.close();
  }
});

test('a merge prices speedups over the whole run: the baseline case may be another shard’s', () => {
  const judged = (protocol: string, p50: number) => {
    const c = syntheticCase({ protocol, cpus: 2 });
    return {
      ...c,
      modeledCycles: { ...c.modeledCycles!, p50 },
      wallNs: { ...c.wallNs!, p50: p50 * 3 },
      verdict: {
        oracle: 'clean' as const,
        baseline: 'sync',
        speedup: null,
        oversubscribed: false,
        noisy: false,
      },
    };
  };
  const merged = completeVerdicts(
    syntheticRun({ cases: [judged('async-inline', 800), judged('sync', 1000)] }),
  );
  assert.deepEqual(
    merged.cases.map((c) => c.verdict?.speedup),
    [1000 / 800, 1],
  );
  assert.deepEqual(
    merged.cases.map((c) => c.verdict?.wallSpeedup),
    [3000 / 2400, 1],
  );
});

/** Leaves the database file as flushbench at schema `version` would have: `sql`, then the version. */
function rewind(file: string, version: number, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}

test('migrations 9 and 10 judge the cases stored before them', () => {
  const file = tempDb();
  const store = Store.open(file);
  store.insertRun(
    syntheticRun({
      cases: [
        syntheticCase({ protocol: 'sync', cpus: 1 }),
        syntheticCase({ protocol: 'sync', cpus: 8 }),
      ],
    }),
  );
  store.close();
  // As flushbench at schema 8 left it: no verdict column.
  rewind(file, SCHEMA_VERSION - 2, 'ALTER TABLE cases DROP COLUMN verdict');
  const again = Store.open(file);
  try {
    const cases = again.getRun(1)!.cases;
    assert.deepEqual(
      cases.map((c) => c.verdict),
      [1, 8].map((cpus) => ({
        oracle: 'clean',
        baseline: null,
        speedup: null,
        wallSpeedup: null,
        oversubscribed: cpus > 2,
        noisy: false,
      })),
    );
  } finally {
    again.close();
  }
});

test('migration 10 prices the wall speedup of verdicts stored with a baseline', () => {
  const file = tempDb();
  const store = Store.open(file);
  const at = (protocol: string, cpus: number, wall: number) => {
    const c = syntheticCase({ protocol, cpus });
    return { ...c, wallNs: { ...c.wallNs!, p50: wall } };
  };
  const runId = store.insertRun(
    withVerdicts(
      syntheticRun({
        cases: [at('sync', 2, 900), at('async-inline', 2, 600), at('async-inline', 4, 500)],
      }),
      { baseline: 'sync', oracle: storedFactsOracle },
    ),
  );
  const before = store.getRun(runId)!.cases.map((c) => c.verdict);
  store.close();
  // 900 / 600 at 2 CPUs; no sync case at 4 CPUs, so none there.
  assert.deepEqual(
    before.map((v) => v.wallSpeedup),
    [1, 1.5, null],
  );
  // As flushbench at schema 9 left it: verdicts without a wall speedup.
  rewind(
    file,
    SCHEMA_VERSION - 1,
    "UPDATE cases SET verdict = json_remove(verdict, '$.wallSpeedup')",
  );
  const again = Store.open(file);
  try {
    assert.deepEqual(
      again.getRun(runId)!.cases.map((c) => c.verdict),
      before,
    );
  } finally {
    again.close();
  }
});

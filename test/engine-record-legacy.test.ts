/**
 * Runs stored before the cooperative engine (schema 6: no engine, workers or schedule columns)
 * still load after the store migrates itself, read back exactly as they were written — no field
 * appears — and read as the threads engine wherever an engine is shown. An upload without the
 * fields is still taken.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { completeVerdicts } from '../data/case-verdict.js';
import { exportRun } from '../data/export.js';
import { engineOf } from '../data/run-record.js';
import { SCHEMA_VERSION } from '../data/schema.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

/** The schema before the cooperative engine. */
const LEGACY_SCHEMA = 6;

/** A database as flushbench at schema 6 left it, holding `run`. */
function legacyDatabase(run: ReturnType<typeof syntheticRun>): string {
  const file = tempDb();
  const store = Store.open(file);
  store.insertRun(run);
  store.close();
  const db = new Database(file);
  // Undo migrations 7 (the engine), 8 (sweeps) and 9 (verdicts), newest first.
  db.exec('ALTER TABLE cases DROP COLUMN verdict');
  db.exec('DROP TABLE sweep_shards; ALTER TABLE runs DROP COLUMN sweep');
  for (const column of ['host', 'engine', 'workers', 'schedule'])
    db.exec(`ALTER TABLE cases DROP COLUMN ${column}`);
  db.pragma(`user_version = ${LEGACY_SCHEMA}`);
  db.close();
  return file;
}

test('a run from schema 6 migrates, reads back as written and reads as the threads engine', async (t) => {
  assert.equal(
    SCHEMA_VERSION,
    LEGACY_SCHEMA + 4,
    'four migrations since: the engine, sweeps, verdicts, wall speedups',
  );
  const run = syntheticRun({
    uuid: 'legacy-run',
    cases: [syntheticCase({ protocol: 'sync' }), syntheticCase({ protocol: 'async-inline' })],
  });
  const file = legacyDatabase(run);
  const columns = () => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.pragma('table_info(cases)') as { name: string }[]).map((c) => c.name);
    } finally {
      db.close();
    }
  };
  assert.equal(columns().includes('engine'), false, 'the fixture is schema 6');

  const store = Store.open(file);
  t.after(() => store.close());
  assert.ok(columns().includes('engine') && columns().includes('schedule'), 'migrated');
  const back = store.getRunRecord(1)!;
  // As written, and judged by migrations 9 and 10 on its stored facts.
  assert.deepEqual(back, completeVerdicts(run), 'read back as written');
  for (const c of back.cases) {
    assert.equal('engine' in c || 'workers' in c || 'schedule' in c, false, c.key);
    assert.equal(c.verdict?.oracle, 'clean', c.key);
    assert.equal(engineOf(c), 'threads', c.key);
  }
  const [header, ...rows] = exportRun(back, 'csv').trimEnd().split('\n');
  const engineAt = header.split(',').indexOf('engine');
  assert.deepEqual(
    rows.map((r) => r.split(',').slice(engineAt, engineAt + 3)),
    back.cases.map(() => ['threads', '', '']),
    'the CSV: engine threads, no workers or seed recorded',
  );

  const app = await buildApp({ dbFile: file, logger: false });
  t.after(() => app.close());
  const answered = (await app.inject({ url: '/api/runs/1' })).json();
  for (const c of answered.cases) assert.equal('engine' in c, false, 'the API adds nothing');
});

test('an upload without engine, workers or schedule is taken', async (t) => {
  const token = 'legacy-token-0123456789';
  const app = await buildApp({ dbFile: tempDb(), token, logger: false });
  t.after(() => app.close());
  const res = await app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${token}` },
    payload: syntheticRun({ uuid: 'legacy-upload' }),
  });
  assert.equal(res.statusCode, 201, res.body);
});

/**
 * How a case was run — its engine, workers and the cooperative engine's PCT schedule — comes back
 * as it went in, from every door: the store, `export --format json` and `csv`, an upload to the
 * server, `flushbench import`, and GET /api/runs/:id.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CaseRecord, RunRecord } from '../data/run-record.js';
import type { StoredRun } from '../data/stored.js';
import { buildApp } from '../server/app.js';
import { runMain } from './cli-in-process.js';
import { ERRORED_AT, SCALE_HOST_CORES, scaleRun } from './fixtures/seed-cooperative.js';
import { tempDb } from './helpers.js';

const TOKEN = 'engine-token-0123456789';
const run: RunRecord = scaleRun();
const execution = (c: Pick<CaseRecord, 'key' | 'engine' | 'workers' | 'schedule'>) => ({
  key: c.key,
  engine: c.engine,
  workers: c.workers,
  schedule: c.schedule,
});

let app: Awaited<ReturnType<typeof buildApp>>;
let file: string;
let uploadedId: number;

before(async () => {
  file = tempDb();
  app = await buildApp({ dbFile: file, token: TOKEN, logger: false });
  const res = await app.inject({
    method: 'POST',
    url: '/api/runs',
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: run,
  });
  assert.equal(res.statusCode, 201, res.body);
  uploadedId = res.json().id;
});
after(() => app?.close());

test('the fixture has cooperative cases with schedules, one errored, and threads cases', () => {
  const cooperative = run.cases.filter((c) => c.engine === 'cooperative');
  assert.ok(cooperative.length > 0 && cooperative.every((c) => c.schedule?.policy === 'pct'));
  assert.ok(cooperative.some((c) => (c.schedule?.firstViolationSteps?.length ?? 0) > 0));
  assert.ok(
    cooperative.some((c) => c.status === 'errored' && c.cpus === ERRORED_AT.cpus),
    'an errored case keeps its engine and schedule',
  );
  assert.ok(
    run.cases.some((c) => c.engine === 'threads' && c.schedule === null),
    `threads cases up to ${SCALE_HOST_CORES} CPUs`,
  );
});

test('an upload answers, and exports as JSON, every case with the engine it was sent with', async () => {
  const answered = (await app.inject({ url: `/api/runs/${uploadedId}` })).json() as StoredRun;
  assert.deepEqual(answered.cases.map(execution), run.cases.map(execution));
  const exported = await app.inject({ url: `/api/runs/${uploadedId}/export?format=json` });
  assert.deepEqual(JSON.parse(exported.body), run, 'the export is the run as uploaded');
});

test('export --format json, then import into another database, gives the same run', async () => {
  const exported = await runMain(['export', '--run', String(uploadedId), '--db', file]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(JSON.parse(exported.stdout), run);

  const runFile = join(dirname(tempDb()), 'run.json');
  writeFileSync(runFile, exported.stdout);
  const other = tempDb();
  const imported = await runMain(['import', runFile, '--db', other]);
  assert.equal(imported.code, 0, imported.stderr);
  const back = await runMain(['export', '--run', '1', '--db', other]);
  assert.deepEqual(JSON.parse(back.stdout), run, 'imported as exported');
});

test('the CSV gives each case its engine, workers and schedule seed', async () => {
  const csv = await runMain([
    'export',
    '--run',
    String(uploadedId),
    '--format',
    'csv',
    '--db',
    file,
  ]);
  assert.equal(csv.code, 0, csv.stderr);
  const [header, ...rows] = csv.stdout.split('\n');
  const columns = header.split(',');
  const at = (row: string, name: string) => row.split(',')[columns.indexOf(name)];
  const engineAt = columns.indexOf('engine');
  assert.deepEqual(columns.slice(engineAt, engineAt + 3), ['engine', 'workers', 'schedule_seed']);
  assert.equal(rows.length, run.cases.length);
  for (const [i, c] of run.cases.entries()) {
    // Errored cases' messages are quoted; none here holds a comma, so the split holds.
    assert.equal(at(rows[i], 'key'), c.key);
    assert.equal(at(rows[i], 'engine'), c.engine, c.key);
    assert.equal(at(rows[i], 'workers'), String(c.workers), c.key);
    assert.equal(at(rows[i], 'schedule_seed'), c.schedule ? String(c.schedule.seed) : '', c.key);
  }
});

/**
 * Non-finite numbers never pass: a case whose statistics come out NaN or ±Infinity is stored as
 * failed, and compare fails the gate on a stored case with such a statistic (or a missing one).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { caseRecordOf } from '../bench/runner.js';
import type { CaseSpec } from '../bench/suites.js';
import { completeVerdicts } from '../data/case-verdict.js';
import { compareRuns } from '../data/compare.js';
import { formatComparison } from '../data/compare-format.js';
import type { CaseRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { type CaseResult, ErrorCodes, Machine } from '../sim/index.js';
import { cli, syntheticCase, syntheticErroredCase, syntheticRun, tempDb } from './helpers.js';

const SPEC: CaseSpec = { protocol: 'sync', workload: 'madvise', cpus: 2, pages: 1 };
const PROFILE = 'xeon-gold-5418y-2s';

let machine: Machine;
let real: CaseResult;
before(async () => {
  machine = await Machine.start({ cpus: SPEC.cpus });
  real = await machine.run({ protocol: SPEC.protocol, flushes: 20 });
});
after(() => machine.close());

/** Each statistic caseRecordOf stores, as the message names it and as it is set on a result. */
const STATISTICS: [string, (r: CaseResult, v: number) => CaseResult][] = [
  ['wall-clock ns p50', (r, v) => ({ ...r, latencyNs: { ...r.latencyNs, p50: v } })],
  ['wall-clock ns p99', (r, v) => ({ ...r, latencyNs: { ...r.latencyNs, p99: v } })],
  ['wall-clock ns mean', (r, v) => ({ ...r, latencyNs: { ...r.latencyNs, mean: v } })],
  ['wall-clock ns min', (r, v) => ({ ...r, latencyNs: { ...r.latencyNs, min: v } })],
  ['wall-clock ns max', (r, v) => ({ ...r, latencyNs: { ...r.latencyNs, max: v } })],
  ['modeled cycles p50', (r, v) => ({ ...r, modeledCycles: { ...r.modeledCycles, p50: v } })],
  ['modeled cycles p99', (r, v) => ({ ...r, modeledCycles: { ...r.modeledCycles, p99: v } })],
  ['modeled cycles mean', (r, v) => ({ ...r, modeledCycles: { ...r.modeledCycles, mean: v } })],
  ['modeled cycles min', (r, v) => ({ ...r, modeledCycles: { ...r.modeledCycles, min: v } })],
  ['modeled cycles max', (r, v) => ({ ...r, modeledCycles: { ...r.modeledCycles, max: v } })],
  ['modeled iteration cycles mean', (r, v) => ({ ...r, modeledIterationCycles: { mean: v } })],
  [
    'modeled remote handler cycles mean',
    (r, v) => ({
      ...r,
      modeledRemoteHandlerCycles: { ...r.modeledRemoteHandlerCycles, mean: v },
    }),
  ],
  ['modeled call cycles mean', (r, v) => ({ ...r, modeledCallCycles: { mean: v } })],
];

test('a real case is completed with finite statistics (the control)', () => {
  const record = caseRecordOf(SPEC, PROFILE, real);
  assert.equal(record.status, 'completed');
  assert.equal(record.error, null);
  for (const v of [...Object.values(record.wallNs!), ...Object.values(record.modeledCycles!)]) {
    assert.ok(v === null || Number.isFinite(v), `${v} is finite`);
  }
});

test('a NaN or ±Infinity statistic makes the case errored with its code, naming it and its value', () => {
  for (const [name, set] of STATISTICS) {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const record = caseRecordOf(SPEC, PROFILE, set(real, bad));
      assert.equal(record.status, 'errored', `${name} = ${bad}`);
      assert.equal(record.error?.code, ErrorCodes.NON_FINITE_STATISTIC);
      assert.equal(record.error?.message, `${name} must be a finite number (got ${bad})`);
      assert.equal(record.wallNs, null);
      assert.equal(record.modeledCycles, null);
      assert.deepEqual(record.samplesNs, []);
      assert.deepEqual(record.modeledCyclesSamples, []);
    }
  }
});

test('the errored case is stored and read back whole: nothing non-finite reaches SQLite or JSON', () => {
  const bad = STATISTICS[5][1](real, Number.NaN);
  const record = caseRecordOf(SPEC, PROFILE, bad);
  const run = syntheticRun({ cases: [record] });
  const store = Store.open(tempDb());
  const id = store.insertRun(run);
  assert.deepEqual(store.getRunRecord(id), completeVerdicts(run));
  assert.equal(store.listRuns()[0].failures, 1);
  store.close();
  assert.deepEqual(JSON.parse(JSON.stringify(record)), record, 'JSON keeps every value');
});

test('an rme of NaN (too few samples for a margin) is stored as none; the case still completes', () => {
  const record = caseRecordOf(SPEC, PROFILE, { ...real, rme: Number.NaN });
  assert.equal(record.status, 'completed');
  assert.equal(record.wallNs?.rme, null);
});

/** Stores a base run of finite cases and a head run whose sync case is as given. */
function storedPair(headSync: CaseRecord) {
  const file = tempDb();
  const store = Store.open(file);
  const base = store.insertRun(syntheticRun());
  const head = store.insertRun(
    syntheticRun({
      cases: [headSync, syntheticCase({ protocol: 'async-inline' })],
    }),
  );
  return { file, store, base, head };
}

const SYNC_KEY = syntheticCase({ protocol: 'sync' }).key;
const finiteModeled = syntheticCase({ protocol: 'sync' }).modeledCycles!;

test('compare: a completed case with modeled p50 NaN (read back NULL) and mean Infinity fails the gate', () => {
  const { file, store, base, head } = storedPair(
    syntheticCase({
      protocol: 'sync',
      modeledCycles: { ...finiteModeled, p50: Number.NaN, mean: Number.POSITIVE_INFINITY },
    }),
  );
  const c = compareRuns(store, base, head);
  store.close();
  const sync = c.cases.find((x) => x.key === SYNC_KEY)!;
  assert.equal(sync.verdict, 'failed');
  assert.match(sync.note ?? '', /the head run's modeled cycles p50 is missing/);
  assert.equal(c.failures, 1);
  assert.equal(c.regressions, 0, 'not counted as a regression');
  assert.equal(c.failed, true);
  const other = c.cases.find((x) => x.key !== SYNC_KEY)!;
  assert.equal(other.verdict, 'same', 'the other case compares as before');
  assert.match(formatComparison(c, 'markdown'), /\*\*Failed cases\.\*\*[^\n]*1 failed case\b/);
  assert.ok(formatComparison(c, 'markdown').includes(`- \`${SYNC_KEY}\`: the head run's`));

  const r = cli(['compare', '--db', file, '--base', String(base), '--head', String(head)]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stdout.includes(`failed: ${SYNC_KEY}: the head run's modeled cycles`), r.stdout);
  const json = cli([
    'compare',
    '--db',
    file,
    '--base',
    String(base),
    '--head',
    String(head),
    '--format',
    'json',
  ]);
  assert.equal(json.status, 1, json.stderr);
  assert.equal(JSON.parse(json.stdout).failures, 1);
});

test('compare: each statistic that is ±Infinity, on either side, is named with its side', () => {
  const { store, base, head } = storedPair(
    syntheticCase({
      protocol: 'sync',
      modeledCycles: { ...finiteModeled, mean: Number.POSITIVE_INFINITY },
      wallNs: { ...syntheticCase({ protocol: 'sync' }).wallNs!, p99: Number.NEGATIVE_INFINITY },
    }),
  );
  const forward = compareRuns(store, base, head).cases.find((x) => x.key === SYNC_KEY)!;
  assert.equal(forward.verdict, 'failed');
  assert.equal(
    forward.note,
    "the head run's wall-clock ns p99 is -Infinity; the head run's modeled cycles mean is Infinity",
  );
  const back = compareRuns(store, head, base);
  assert.match(back.cases.find((x) => x.key === SYNC_KEY)!.note ?? '', /^the base run's/);
  assert.equal(back.failed, true);
  store.close();
});

test('compare: an errored head case fails the gate; finite runs pass it (the control)', () => {
  const { file, store, base, head } = storedPair(
    syntheticErroredCase({
      protocol: 'sync',
      error: { code: ErrorCodes.CPU_STUCK, message: 'CPU 1 is stuck' },
    }),
  );
  const c = compareRuns(store, base, head);
  assert.equal(c.cases.find((x) => x.key === SYNC_KEY)!.verdict, 'failed');
  assert.equal(c.failures, 1);
  assert.equal(c.failed, true);
  const finite = store.insertRun(syntheticRun());
  const control = compareRuns(store, base, finite);
  store.close();
  assert.equal(control.failures, 0);
  assert.equal(control.failed, false);
  assert.equal(
    cli(['compare', '--db', file, '--base', String(base), '--head', String(head)]).status,
    1,
  );
  const ok = cli(['compare', '--db', file, '--base', String(base), '--head', String(finite)]);
  assert.equal(ok.status, 0, ok.stdout);
});

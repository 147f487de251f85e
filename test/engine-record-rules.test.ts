/**
 * The rules of a case's engine fields, for uploads and `flushbench import` alike: a schedule only
 * on the cooperative engine, none of the fields on a case of the host's kernel, no more workers
 * than CPUs, and the schedule's bounds (seed a 32-bit word, a replay command of at most 1024
 * characters, at most 256 steps of at most 512). A case may have up to 1024 CPUs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  caseKey,
  type ErroredCase,
  erroredCase,
  type MeasuredCase,
  type Schedule,
} from '../data/run-record.js';
import { runRecordProblem } from '../data/run-record-check.js';
import { buildApp } from '../server/app.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const schedule: Schedule = {
  seed: 7,
  policy: 'pct',
  depth: 3,
  steps: 148,
  replay:
    'flushbench sim --engine cooperative --schedule-seed 7 --protocol async-unsafe --workload madvise --cpus 4 --pages 1 --profile xeon-gold-5418y-2s',
  firstViolationSteps: ['step 14: CPU 2 handled 1 csd and 32 user accesses; now waits for an IPI'],
};

const cooperative = (over: Partial<MeasuredCase> = {}) =>
  syntheticCase({
    protocol: 'async-unsafe',
    cpus: 4,
    engine: 'cooperative',
    workers: 1,
    schedule,
    ...over,
  });

/** The problem with a one-case run, sent through JSON as an upload or a file is. */
const problemOf = (c: MeasuredCase) =>
  runRecordProblem(JSON.parse(JSON.stringify(syntheticRun({ cases: [c] }))));

test('a cooperative case with its schedule, and a threads case without one, are taken', () => {
  assert.equal(problemOf(cooperative()), null);
  assert.equal(
    problemOf(syntheticCase({ protocol: 'sync', engine: 'threads', workers: 2, schedule: null })),
    null,
  );
});

test('a schedule on the threads engine, or on a case with no engine, is refused', () => {
  assert.match(
    problemOf(cooperative({ engine: 'threads' })) ?? '',
    /^\/cases\/0: only a case of the cooperative engine has a schedule \(got engine threads\)/,
  );
  assert.match(
    problemOf(cooperative({ engine: undefined })) ?? '',
    /only a case of the cooperative engine has a schedule \(got engine absent, which is threads\)/,
  );
});

test("a case of the host's kernel with an engine, workers or a schedule is refused", () => {
  // Errored, so that the kernel record's own rule (kernelCaseProblem) does not apply first.
  const spec = { protocol: 'linux', workload: 'touch', cpus: 2, pages: 1, profile: 'host' };
  const kernel = erroredCase(
    { key: caseKey(spec), ...spec },
    { code: 'FLUSHBENCH_ERR_WORKER_CRASHED', message: 'the measuring thread exited' },
  );
  const problem = (over: object) =>
    runRecordProblem(
      JSON.parse(JSON.stringify(syntheticRun({ cases: [{ ...kernel, ...over } as ErroredCase] }))),
    );
  assert.equal(problem({}), null);
  for (const over of [{ engine: 'threads' }, { workers: 2 }, { engine: 'cooperative', schedule }])
    assert.match(
      problem(over) ?? '',
      /^\/cases\/0: a case of protocol linux is measured, not simulated: it has no engine, workers or schedule$/,
      JSON.stringify(over),
    );
});

test('more workers than CPUs is refused, naming both', () => {
  assert.match(
    problemOf(cooperative({ workers: 5 })) ?? '',
    /\/cases\/0: workers must be at most the case's 4 CPUs \(got 5\)/,
  );
});

test("the schedule's bounds are the schema's", () => {
  const refused = (s: Partial<Schedule>, path: RegExp) =>
    assert.match(problemOf(cooperative({ schedule: { ...schedule, ...s } })) ?? '', path);
  refused({ seed: 2 ** 32 }, /^\/cases\/0\/schedule\/seed /);
  refused({ seed: -1 }, /^\/cases\/0\/schedule\/seed /);
  refused({ policy: 'random' as 'pct' }, /^\/cases\/0\/schedule\/policy /);
  refused({ depth: 0 }, /^\/cases\/0\/schedule\/depth /);
  refused({ replay: 'x'.repeat(1025) }, /^\/cases\/0\/schedule\/replay /);
  refused(
    { firstViolationSteps: new Array(257).fill('step') },
    /^\/cases\/0\/schedule\/firstViolationSteps /,
  );
  refused(
    { firstViolationSteps: ['x'.repeat(513)] },
    /^\/cases\/0\/schedule\/firstViolationSteps\/0 /,
  );
  assert.equal(problemOf(cooperative({ schedule: { ...schedule, seed: 2 ** 32 - 1 } })), null);
  assert.match(
    problemOf(cooperative({ engine: 'fibers' as 'cooperative' })) ?? '',
    /^\/cases\/0\/engine /,
  );
});

test('a case of 1024 CPUs is taken, 1025 refused', () => {
  assert.equal(problemOf(cooperative({ cpus: 1024, key: 'k1024' })), null);
  assert.match(problemOf(cooperative({ cpus: 1025, key: 'k1025' })) ?? '', /^\/cases\/0\/cpus /);
});

test('the server refuses such an upload with the same words, and takes 1024 CPUs', async (t) => {
  const token = 'rules-token-0123456789';
  const app = await buildApp({ dbFile: tempDb(), token, logger: false });
  t.after(() => app.close());
  const upload = (c: MeasuredCase) =>
    app.inject({
      method: 'POST',
      url: '/api/runs',
      headers: { authorization: `Bearer ${token}` },
      payload: syntheticRun({ cases: [c] }),
    });
  const refused = await upload(cooperative({ engine: 'threads' }));
  assert.equal(refused.statusCode, 400);
  assert.match(
    refused.json().error.message,
    /^body\/cases\/0: only a case of the cooperative engine has a schedule \(got engine threads\)/,
  );
  const wide = await upload(cooperative({ cpus: 1024, key: 'madvise/async-unsafe/cpus=1024' }));
  assert.equal(wide.statusCode, 201, wide.body);
  const history = await app.inject({
    url: '/api/history?protocol=async-unsafe&cpus=1024&pages=1&workload=madvise',
  });
  assert.equal(history.statusCode, 200, history.body);
});

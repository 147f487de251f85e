/**
 * A case record is a union on its status: a measured case carries its statistics and no error,
 * a failed one its error and nothing else. The bench's verdict decides which: here on one real
 * result, given the oracle counts of each situation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { caseRecordOf } from '../bench/runner.js';
import type { CaseSpec } from '../bench/suites.js';
import { caseLine } from '../cli/progress.js';
import { recordVerdict } from '../cli/report.js';
import { type CaseResult, ErrorCodes, Machine } from '../sim/index.js';

const PROFILE = 'xeon-gold-5418y-2s';
const CONTROL: CaseSpec = { protocol: 'async-unsafe', workload: 'madvise', cpus: 2, pages: 1 };
const SAFE: CaseSpec = { protocol: 'sync', workload: 'madvise', cpus: 2, pages: 1 };

let machine: Machine;
let real: CaseResult;
before(async () => {
  machine = await Machine.start({ cpus: 2 });
  real = await machine.run({ protocol: 'sync', flushes: 20 });
});
after(() => machine.close());

const withViolations = (n: number): CaseResult => ({
  ...real,
  oracle: {
    ...real.oracle,
    staleUses: 0,
    lostWrites: 0,
    ackWindowViolations: n,
    freedTableWalks: 0,
  },
});

test('a control the oracle missed is errored: its error, with the counts, and nothing else', () => {
  const r = caseRecordOf(CONTROL, PROFILE, withViolations(0));
  assert.equal(r.status, 'errored');
  assert.equal(r.error?.code, ErrorCodes.CONTROL_NOT_CAUGHT);
  assert.match(
    r.error?.message ?? '',
    new RegExp(
      `async-unsafe was not caught: 0 violations in ${real.oracle.checkedAccesses} checked`,
    ),
  );
  for (const field of ['wallNs', 'modeledCycles', 'counters', 'oracle', 'trace'] as const) {
    assert.equal(r[field], null, field);
  }
  assert.deepEqual([r.samplesNs, r.modeledCyclesSamples, r.samplesTotal], [[], [], 0]);
  assert.equal(recordVerdict(r), 'not-caught');
  assert.match(caseLine(r), /^✗ NOT caught \(negative control\): the negative control/);
});

test('a caught control is completed, with its statistics and no error', () => {
  const r = caseRecordOf(CONTROL, PROFILE, withViolations(3));
  assert.equal(r.status, 'completed');
  assert.equal(r.error, null);
  assert.equal(r.oracle?.ackWindowViolations, 3);
  assert.equal(r.modeledCycles?.mean, real.modeledCycles.mean);
  assert.equal(recordVerdict(r), 'caught');
});

test('a safe protocol with a violation is violated, with its statistics and no error', () => {
  const r = caseRecordOf(SAFE, PROFILE, withViolations(1));
  assert.equal(r.status, 'violated');
  assert.equal(r.error, null);
  assert.equal(r.wallNs?.p50, real.latencyNs.p50);
  assert.equal(recordVerdict(r), 'violated');
  const clean = caseRecordOf(SAFE, PROFILE, withViolations(0));
  assert.equal(clean.status, 'completed');
  assert.equal(recordVerdict(clean), 'clean');
});

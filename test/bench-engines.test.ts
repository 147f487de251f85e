/**
 * A bench says how each case ran: its engine and workers, and on the cooperative engine with one
 * worker its PCT schedule with the command that replays it — which, run, gives the stored case's modeled cycles
 * and oracle counts again. A suite's CPU count beyond the run's profile runs on the smallest
 * built-in profile that has that many threads (128 → epyc-7r13-2s, 192 threads), named in the case.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CaseRecord } from '../data/run-record.js';
import { autoWorkers } from '../sim/shared/options.js';
import { cli, tempDb } from './helpers.js';

/** A measured case of a simulated protocol: every field this test reads is there. */
type Simulated = CaseRecord & {
  schedule: NonNullable<CaseRecord['schedule']>;
  oracle: NonNullable<CaseRecord['oracle']>;
  modeledCycles: NonNullable<CaseRecord['modeledCycles']>;
};

function bench(...args: string[]) {
  const r = cli([
    'bench',
    '--pages',
    '1',
    '--iterations',
    '20',
    '--json',
    '--db',
    tempDb(),
    ...args,
  ]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { cases: Simulated[] };
}

test('cooperative cases carry their schedule and a replay that reproduces them', () => {
  const run = bench(
    '--engine',
    'cooperative',
    '--protocols',
    'sync,async-unsafe',
    '--cpus',
    '4,128',
  );
  assert.equal(run.cases.length, 4);
  for (const c of run.cases) {
    assert.equal(c.engine, 'cooperative');
    assert.equal(c.profile, c.cpus === 128 ? 'epyc-7r13-2s' : 'xeon-gold-5418y-2s');
    const caught = c.protocol === 'async-unsafe';
    assert.equal((c.oracle.ackWindowViolations ?? 0) > 0, caught);
    // --workers auto: one worker per 64 CPUs up to this host's cores.
    assert.equal(c.workers, autoWorkers(c.cpus));
    assert.equal(c.schedule.seed, 1);
    if (c.workers > 1) {
      // Several workers interleave as the OS runs them: no command replays that.
      assert.equal(c.schedule.replay, null);
      continue;
    }
    assert.equal(c.schedule.policy, 'pct');
    assert.ok(c.schedule.steps > 0);
    assert.match(
      c.schedule.replay!,
      new RegExp(
        `^flushbench sim --engine cooperative --schedule-seed 1 --protocol ${c.protocol} --workload madvise --cpus ${c.cpus} --pages 1 --profile ${c.profile} --flushes 20`,
      ),
    );
    assert.equal(c.schedule.firstViolationSteps !== null, caught);
  }
  const control = run.cases.find((c) => c.protocol === 'async-unsafe' && c.cpus === 4)!;
  const replay = cli([...control.schedule.replay!.split(' ').slice(1), '--json']);
  assert.equal(replay.status, 0, replay.stderr);
  const again = JSON.parse(replay.stdout);
  assert.equal(again.modeledCycles.p50, control.modeledCycles.p50);
  assert.equal(again.modeledIterationCycles.mean, control.modeledCycles.iterationMean);
  assert.equal(again.oracle.ackWindowViolations, control.oracle.ackWindowViolations);
  assert.equal(again.oracle.checkedAccesses, control.oracle.checkedAccesses);
  assert.deepEqual(again.oracle.firstViolation, control.oracle.firstViolation);
  assert.deepEqual(again.schedule.firstViolationSteps, control.schedule.firstViolationSteps);
});

test('threads cases say so, with a worker per CPU and no schedule', () => {
  const run = bench('--engine', 'threads', '--protocols', 'sync', '--cpus', '2', '--time', '10');
  const [c] = run.cases;
  assert.equal(c.engine, 'threads');
  assert.equal(c.workers, 2);
  assert.equal(c.schedule, null);
});

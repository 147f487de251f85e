/**
 * compare never judges wall-clock across engines: a case that ran on the threads engine in one
 * run and the cooperative engine in the other shows its wall change in parentheses under a
 * footnote, with the reason, and it gates nothing — while its modeled cycles, which do not depend
 * on the engine, are compared as usual. On one engine (a case stored without one ran on threads)
 * the same wall change is a regression.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { MeasuredCase, Schedule } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { runMain } from './cli-in-process.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const file = tempDb();
const SAMPLES = 200;
const WALL_SCALE = 1.5;
const MODELED_SCALE = 1.1;

const schedule: Schedule = {
  seed: 7,
  policy: 'pct',
  depth: 3,
  steps: 148,
  replay:
    'flushbench sim --engine cooperative --schedule-seed 7 --protocol sync --workload madvise --cpus 4 --pages 1 --profile xeon-gold-5418y-2s',
  firstViolationSteps: null,
};

/** A 4-CPU case on a 64-core host (not oversubscribed) with 200 wall samples at `wall`×. */
function at(protocol: string, wall: number, modeled: number, over: Partial<MeasuredCase> = {}) {
  const samplesNs = Array.from({ length: SAMPLES }, (_, k) => (1000 + (k % 50)) * wall);
  const c = syntheticCase({ protocol, cpus: 4 });
  return {
    ...c,
    wallNs: {
      p50: 1025 * wall,
      p99: 1049 * wall,
      mean: 1025 * wall,
      min: 1000 * wall,
      max: 1049 * wall,
      rme: 1,
      count: SAMPLES,
    },
    samplesNs,
    samplesTotal: SAMPLES,
    modeledCycles: {
      ...c.modeledCycles!,
      p50: 3179 * modeled,
      mean: 3179 * modeled,
      p99: 3179 * modeled,
    },
    ...over,
  };
}

before(() => {
  const host = { hostname: 'h', cpuModel: 'cpu', cores: 64, os: 'Linux', nodeVersion: 'v20' };
  const runs = [
    // 1, the base: sync stored without an engine (a run from before them: threads).
    [at('sync', 1, 1), at('async-inline', 1, 1, { engine: 'threads', workers: 4, schedule: null })],
    // 2: sync moved to the cooperative engine, 50 % slower wall-clock and 10 % dearer modeled.
    [
      at('sync', WALL_SCALE, MODELED_SCALE, { engine: 'cooperative', workers: 1, schedule }),
      at('async-inline', 1, 1, { engine: 'threads', workers: 4, schedule: null }),
    ],
    // 3: sync still on threads, 50 % slower wall-clock.
    [
      at('sync', WALL_SCALE, 1, { engine: 'threads', workers: 4, schedule: null }),
      at('async-inline', 1, 1, { engine: 'threads', workers: 4, schedule: null }),
    ],
  ];
  const store = Store.open(file);
  for (const [i, cases] of runs.entries()) {
    store.insertRun(
      syntheticRun({
        uuid: `engines-${i}`,
        commit: {
          sha: String(i + 1).repeat(40),
          branch: 'main',
          dirty: false,
          subject: `c${i}`,
          time: `2026-11-0${i + 1}T10:00:00Z`,
        },
        startedAt: `2026-11-0${i + 1}T10:00:00.000Z`,
        host,
        cases,
      }),
    );
  }
  store.close();
});

const compare = (head: number, metric: string, format = 'text') =>
  runMain([
    'compare',
    '--base',
    '1',
    '--head',
    String(head),
    '--metric',
    metric,
    '--format',
    format,
    '--db',
    file,
  ]);

test('across engines the wall change is shown, not judged, and gates nothing', async () => {
  const json = await compare(2, 'wall', 'json');
  assert.equal(json.code, 0, 'no wall regression: exit 0 with --metric wall');
  const c = JSON.parse(json.stdout);
  assert.equal(c.regressions, 0);
  const sync = c.cases.find((x: { key: string }) => x.key.startsWith('madvise/sync/'));
  assert.equal(sync.wall.changePct, (WALL_SCALE - 1) * 100);
  assert.equal(sync.wall.verdict, 'unjudged');
  assert.equal(sync.wall.unjudgedReason, 'engines differ: threads → cooperative');
  assert.equal(sync.verdict, 'same', 'the case is not a regression on wall-clock');

  for (const format of ['text', 'markdown']) {
    const out = (await compare(2, 'wall', format)).stdout;
    assert.match(out, /\(\+50\.00 %\)‡/, `${format}: in parentheses, marked`);
    assert.equal(
      out.match(/\(\+[\d.]+ %\)/g)?.length,
      1,
      `${format}: only the case that moved engine`,
    );
    assert.match(
      out,
      /‡ engines differ: threads → cooperative — wall-clock on another engine is another simulator's time, so that change is in parentheses and not judged/,
      format,
    );
  }
});

test('across engines the modeled cycles are compared as usual', async () => {
  const r = await compare(2, 'modeled', 'json');
  assert.equal(r.code, 1, 'a modeled regression fails the comparison');
  const sync = JSON.parse(r.stdout).cases.find((x: { key: string }) =>
    x.key.startsWith('madvise/sync/'),
  );
  assert.equal(sync.modeled.verdict, 'slower');
  assert.equal(sync.verdict, 'slower');
});

test('on one engine (none stored is threads) the same wall change is a regression', async () => {
  const r = await compare(3, 'wall', 'json');
  assert.equal(r.code, 1);
  const c = JSON.parse(r.stdout);
  assert.equal(c.regressions, 1);
  const sync = c.cases.find((x: { key: string }) => x.key.startsWith('madvise/sync/'));
  assert.equal(sync.wall.verdict, 'slower');
  assert.equal(sync.wall.unjudgedReason, undefined);
  assert.doesNotMatch((await compare(3, 'wall')).stdout, /‡/);
});

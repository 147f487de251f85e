/**
 * The bench table tells a case run on the cooperative engine by a mark on its CPU count, under a
 * footnote, with no column added; its wall speedup is never bare (one thread interleaving every
 * CPU is not hardware-like), while its modeled speedup is printed as on threads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUNNER_JUDGE } from '../bench/case-judge.js';
import { formatRunTables } from '../cli/run-tables.js';
import { withVerdicts } from '../data/case-verdict.js';
import type { MeasuredCase, Schedule } from '../data/run-record.js';
import { syntheticCase, syntheticRun } from './helpers.js';

const schedule = (protocol: string): Schedule => ({
  seed: 7,
  policy: 'pct',
  depth: 3,
  steps: 148,
  replay: `flushbench sim --engine cooperative --schedule-seed 7 --protocol ${protocol} --workload madvise --cpus 4 --pages 1 --profile xeon-gold-5418y-2s`,
  firstViolationSteps: null,
});

test('a cooperative case is marked § under its footnote; its wall speedup in parentheses', () => {
  const at = (protocol: string, cpus: number, p50: number, over: Partial<MeasuredCase> = {}) =>
    syntheticCase({
      protocol,
      cpus,
      wallNs: { p50, p99: 2 * p50, mean: p50, min: p50, max: 2 * p50, rme: 1, count: 5 },
      ...over,
    });
  const coop = (protocol: string) => ({
    engine: 'cooperative' as const,
    workers: 1,
    schedule: schedule(protocol),
  });
  const run = syntheticRun({
    host: { hostname: 'h', cpuModel: 'cpu', cores: 8, os: 'Linux', nodeVersion: 'v20' },
    cases: [
      at('sync', 2, 1000, { engine: 'threads', workers: 2, schedule: null }),
      at('async-inline', 2, 500),
      at('sync', 4, 9000, coop('sync')),
      at('async-inline', 4, 3000, coop('async-inline')),
    ],
  });
  // As the runner hands it over: every case judged.
  const lines = formatRunTables(withVerdicts(run, RUNNER_JUDGE)).split('\n');
  const header = lines.find((l) => l.startsWith('protocol'))!;
  assert.equal(
    header.split(/\s{2,}/).join('|'),
    'protocol|cpus|pages|wall p50|±rme|wall p99|modeled|vs sync (modeled)|vs sync (wall)|oracle',
    'no column added',
  );
  const row = (protocol: string, cpus: string) =>
    lines.find((l) => l.startsWith(protocol) && l.slice(protocol.length).trim().startsWith(cpus));
  const cells = (protocol: string, cpus: string) =>
    row(protocol, cpus)
      ?.trim()
      .split(/\s{2,}/);
  assert.equal(cells('async-inline', '2 ')?.[8], '2.00×', 'threads, within the cores: as measured');
  assert.equal(cells('async-inline', '4§')?.[1], '4§', 'the cooperative case is marked');
  assert.equal(cells('async-inline', '4§')?.[7], '1.00×', 'its modeled speedup is bare');
  assert.equal(cells('async-inline', '4§')?.[8], '(3.00×)§', 'its wall speedup is never bare');
  assert.equal(cells('sync', '2 ')?.[1], '2', 'a threads case is not marked');
  assert.match(
    lines.join('\n'),
    /\n§ the cooperative engine: the CPUs took turns on 1 worker thread in a seeded PCT order, so the wall-clock is not hardware-like and its speedups are in parentheses; modeled cycles are the same as on threads/,
  );
});

test('a run with no cooperative case has no § and no footnote', () => {
  assert.doesNotMatch(formatRunTables(syntheticRun()), /§/);
});

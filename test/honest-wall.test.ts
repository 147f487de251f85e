/**
 * A wall-clock speedup measured with more simulated CPUs than the machine had cores is the
 * simulator waiting for a core, not the protocol: the bench table never prints it bare. The
 * runs are judged as the runner judges them; the table reads their verdicts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RUNNER_JUDGE } from '../bench/case-judge.js';
import { judge } from '../bench/noise.js';
import { formatRunTables } from '../cli/run-tables.js';
import { withVerdicts } from '../data/case-verdict.js';
import { syntheticCase, syntheticRun } from './helpers.js';

test('the bench table puts oversubscribed wall speedups in parentheses, tied to the footnote', () => {
  const at = (protocol: string, cpus: number, p50: number) =>
    syntheticCase({
      protocol,
      cpus,
      wallNs: { p50, p99: 2 * p50, mean: p50, min: p50, max: 2 * p50, rme: 1, count: 5 },
    });
  const run = syntheticRun({
    host: { hostname: 'h', cpuModel: 'cpu', cores: 2, os: 'Linux', nodeVersion: 'v20' },
    cases: [
      at('sync', 2, 1000),
      at('async-inline', 2, 500),
      at('sync', 4, 9000),
      at('async-inline', 4, 3000),
    ],
  });
  const lines = formatRunTables(withVerdicts(run, RUNNER_JUDGE)).split('\n');
  const header = lines.find((l) => l.startsWith('protocol'))!;
  const wallAt = header.indexOf('vs sync (wall)');
  const cell = (protocol: string, cpus: string) =>
    lines
      .find((l) => l.startsWith(protocol) && l.slice(protocol.length).trim().startsWith(cpus))!
      .slice(wallAt)
      .trim()
      .split(/\s+/)[0];
  assert.equal(cell('async-inline', '2 '), '2.00×', 'within the cores: as measured');
  assert.equal(cell('async-inline', '4*'), '(3.00×)*', 'oversubscribed: never bare');
  assert.match(
    lines.join('\n'),
    /\* more CPUs than this machine's 2 cores: .*not hardware-like, so its speedups are in parentheses/,
  );
});

test('a run is noisy when the ping-pong moved past the bound or the machine was busy; its wall speedups are then never bare', () => {
  assert.equal(judge(200, 260, 0.1, 2).noisy, false, '1.3× is within the 1.5× bound');
  assert.match(judge(200, null, 0.1, 2).reason ?? '', /probe after the run could not complete/);
  const moved = judge(200, 620, 0.1, 2);
  assert.equal(moved.noisy, true);
  assert.match(
    moved.reason ?? '',
    /ping-pong moved from 200 to 620 ns during the run \(more than 1\.5×\)/,
  );
  assert.match(judge(600, 200, 0.1, 2).reason ?? '', /from 600 to 200 ns/);
  assert.match(
    judge(200, 210, 0.97, 2).reason ?? '',
    /other work kept the 2 cores 97 % busy when the run began \(more than 50 %\)/,
  );

  const at = (protocol: string, p50: number) =>
    syntheticCase({
      protocol,
      cpus: 2,
      wallNs: { p50, p99: 2 * p50, mean: p50, min: p50, max: 2 * p50, rme: 1, count: 5 },
    });
  const run = syntheticRun({
    host: { hostname: 'h', cpuModel: 'cpu', cores: 2, os: 'Linux', nodeVersion: 'v20' },
    config: { suite: 'smoke', noise: moved },
    cases: [at('sync', 1000), at('async-inline', 500)],
  });
  const text = formatRunTables(withVerdicts(run, RUNNER_JUDGE));
  assert.match(text, /\(2\.00×\)†/);
  assert.match(
    text,
    /† wall-clock noisy: the ping-pong moved .*: this run's wall speedups are in parentheses/,
  );
});

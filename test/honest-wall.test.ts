/**
 * A wall-clock speedup measured with more simulated CPUs than the machine had cores is the
 * simulator waiting for a core, not the protocol: the bench table never prints it bare.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRunTables } from '../cli/cli-store.js';
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
  const lines = formatRunTables(run).split('\n');
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

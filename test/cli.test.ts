import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fullFlushBreakEven } from '../sim/cpu/invalidation-cost.js';
import { loadProfile, profileNames } from '../sim/shared/profile.js';

const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('flushbench sim --json prints one object with the documented fields', () => {
  const r = cli(
    'sim',
    '--protocol',
    'async-inline',
    '--cpus',
    '3',
    '--pages',
    '2',
    '--flushes',
    '200',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.protocol, 'async-inline');
  assert.equal(o.cpus, 3);
  assert.equal(o.pages, 2);
  assert.equal(o.workload, 'madvise');
  assert.equal(o.profile, 'xeon-gold-5418y-2s');
  assert.equal(o.flushes, 200);
  for (const k of ['min', 'mean', 'p50', 'p90', 'p99', 'max'])
    assert.ok(o.latencyNs[k] > 0, `latencyNs.${k}`);
  assert.ok(
    o.latencyNs.min <= o.latencyNs.p50 &&
      o.latencyNs.p50 <= o.latencyNs.p99 &&
      o.latencyNs.p99 <= o.latencyNs.max,
  );
  for (const k of ['mean', 'p50', 'p99']) assert.ok(o.modeledCycles[k] > 0, `modeledCycles.${k}`);
  assert.ok(o.modeledIterationCycles.mean > o.modeledCycles.mean);
  assert.equal(o.flushesRun, o.warmupFlushes + 200);
  assert.equal(o.counters.csdsHandled, 2 * o.flushesRun, 'two targets, every flush');
  assert.equal(o.oracle.staleUses, 0);
  assert.equal(o.oracle.lostWrites, 0);
  assert.equal(o.oracle.firstViolation, null);
  assert.ok(o.oracle.checkedAccesses > 0);
  assert.equal(o.samplesNs, undefined, 'raw samples only with --samples');
});

test('flushbench sim --trace prints the modeled lanes and the real order', () => {
  const r = cli('sim', '--protocol', 'sync', '--cpus', '2', '--flushes', '50', '--trace');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /trace of one sync flush/);
  assert.match(r.stdout, /ipi-delivered \(0\)/);
  assert.match(r.stdout, /the same flush as it ran/);
  assert.match(r.stdout, /oracle +✓/);
});

test('flushbench calibrate --json reports the overhead over the transfers, and exits 1 only above the limit', () => {
  const r = cli('calibrate', '--rounds', '2000', '--json');
  const o = JSON.parse(r.stdout);
  // Wall-clock depends on the load: the exit code must follow the reported figure, whatever it is.
  assert.equal(r.status, o.overhead > 1.5 ? 1 : 0, r.stderr);
  assert.ok(o.pingPongNs.p50 > 0);
  assert.ok(o.syncFlushNs.p50 > 0);
  assert.equal(o.ratio, o.syncFlushNs.p50 / o.pingPongNs.p50);
  // Lock, push, slot, csd, info, tlb_gen, unlock, poll: one flush's transfers, whole.
  assert.ok(Number.isInteger(o.syncLineTransfers) && o.syncLineTransfers >= 6, o.syncLineTransfers);
  // Each block against its own ping-pong; the overhead is their median.
  for (const b of o.blocks) {
    assert.equal(b.overhead, b.syncFlushP50 / ((o.syncLineTransfers / 2) * b.pingPongP50));
  }
  const sorted = o.blocks
    .map((b: { overhead: number }) => b.overhead)
    .sort((x: number, y: number) => x - y);
  assert.equal(o.overhead, sorted[Math.floor(sorted.length / 2)]);
});

test('a failed run exits 1 and names the CPU', () => {
  const r = cli('sim', '--cpus', '3', '--csd-lock-timeout-ms', '200', '--fault', '2:hang:3');
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /the run failed: CPU 2 is stuck: CPU 0 waited 200 ms for it to unlock csd \d+ \(CPU 0 → CPU 2, flush\) \[FLUSHBENCH_ERR_CPU_STUCK\]/,
  );
  const crash = cli('sim', '--cpus', '2', '--fault', '1:throw');
  assert.equal(crash.status, 1);
  assert.match(crash.stderr, /CPU 1 crashed: injected fault/);
});

test('flushbench profiles lists every profile: its machine, the share of estimates, the full-flush break-even', () => {
  const r = cli('profiles', '--json');
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  assert.deepEqual(
    rows.map((x: { name: string }) => x.name),
    profileNames(),
  );
  for (const row of rows) {
    const p = loadProfile(row.name);
    const estimates = Object.values(p.entries).filter((e) => e.estimate).length;
    assert.equal(row.estimates, estimates, row.name);
    assert.equal(row.estimateShare, estimates / Object.keys(p.entries).length);
    assert.equal(row.pti.value, p.pti);
    assert.equal(row.apicMode.value, p.apicMode);
    assert.deepEqual(Object.values(row.fullFlushBreakEvenPages), [
      fullFlushBreakEven(p, 64),
      fullFlushBreakEven(p, 256),
    ]);
  }
  const text = cli('profiles');
  for (const row of rows) assert.match(text.stdout, new RegExp(`^${row.name} `, 'm'));
});

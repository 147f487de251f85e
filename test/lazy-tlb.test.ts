import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Machine } from '../sim/index.js';

let machine: Machine;
before(async () => {
  machine = await Machine.start({ cpus: 4 });
});
after(() => machine.close());

const flushes = 40;
const warmupFlushes = 4;

test('lazy CPUs are skipped by every flush and catch up through tlb_gen when they return', async () => {
  for (const protocol of ['sync', 'concurrent', 'async-inline'] as const) {
    const r = await machine.run({ protocol, workload: 'idle', flushes, warmupFlushes });
    const total = r.flushesRun;
    assert.equal(total, flushes + warmupFlushes);
    assert.equal(
      r.counters.lazySkipped,
      3 * r.flushesRun,
      `${protocol}: three lazy CPUs skipped each time`,
    );
    assert.equal(r.counters.ipisSent, 0, `${protocol}: no IPI`);
    assert.equal(r.counters.csdsHandled, 0);
    assert.equal(r.counters.catchUpFlushes, 3, `${protocol}: each lazy CPU caught up once`);
    assert.ok(r.oracle.checkedAccesses > 0);
    assert.equal(r.oracle.staleUses, 0, `${protocol}: the catch-up flush left no stale entry`);
  }
});

test('freed page tables: lazy CPUs are flushed too', async () => {
  const r = await machine.run({
    protocol: 'concurrent',
    workload: 'idle',
    flushes,
    warmupFlushes,
    freedTables: true,
  });
  assert.equal(r.counters.lazySkipped, 0);
  assert.equal(r.counters.csdsHandled, 3 * r.flushesRun);
  assert.equal(r.oracle.staleUses, 0);
});

test('idle CPUs with the mm loaded are woken by the IPI and flush', async () => {
  const r = await machine.run({
    protocol: 'sync',
    workload: 'idle-loaded',
    flushes,
    warmupFlushes,
  });
  assert.equal(r.counters.lazySkipped, 0);
  assert.equal(r.counters.csdsHandled, 3 * r.flushesRun);
  assert.equal(r.counters.ipisSent + r.counters.ipisNotNeeded, 3 * r.flushesRun);
  assert.equal(r.counters.catchUpFlushes, 0);
  assert.equal(r.oracle.staleUses, 0);
});

test('lazy skipping shows in the model: fewer targets, fewer cycles', async () => {
  const lazy = await machine.run({ protocol: 'sync', workload: 'idle', flushes, warmupFlushes });
  const loaded = await machine.run({
    protocol: 'sync',
    workload: 'idle-loaded',
    flushes,
    warmupFlushes,
  });
  assert.ok(lazy.modeledCycles.p50 < loaded.modeledCycles.p50);
});

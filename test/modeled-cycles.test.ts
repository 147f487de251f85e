import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Machine } from '../sim/index.js';

const SINGLE_INITIATOR = ['madvise', 'idle', 'idle-loaded', 'irqs-off', 'crosscall'] as const;

for (const cpus of [2, 8]) {
  describe(`modeled cycles at ${cpus} CPUs`, () => {
    let machine: Machine;
    before(async () => {
      machine = await Machine.start({ cpus });
    });
    after(() => machine.close());
    for (const protocol of ['sync', 'concurrent', 'async-inline', 'broadcast'] as const) {
      test(`${protocol}: bit-identical across two runs of every single-initiator workload`, async () => {
        for (const workload of SINGLE_INITIATOR) {
          const opts = { protocol, workload, flushes: 200, pages: 3, seed: 7 };
          const a = await machine.run(opts);
          const b = await machine.run(opts);
          assert.deepEqual(a.modeledCyclesSamples, b.modeledCyclesSamples, workload);
          assert.equal(a.modeledIterationCycles.mean, b.modeledIterationCycles.mean, workload);
          assert.ok(a.modeledCycles.p50 > 0);
        }
      });
    }
  });
}

describe('modeled ordering', () => {
  let machine: Machine;
  before(async () => {
    machine = await Machine.start({ cpus: 4 });
  });
  after(() => machine.close());

  test('at 4 CPUs and one page: async-inline < concurrent < sync', async () => {
    const p50 = async (protocol: 'sync' | 'concurrent' | 'async-inline') =>
      (await machine.run({ protocol, flushes: 100 })).modeledCycles.p50;
    const sync = await p50('sync');
    const concurrent = await p50('concurrent');
    const inline = await p50('async-inline');
    assert.ok(inline < concurrent, `async-inline ${inline} < concurrent ${concurrent}`);
    assert.ok(concurrent < sync, `concurrent ${concurrent} < sync ${sync}`);
  });

  test('inlining the info saves line transfers', async () => {
    const opts = { workload: 'idle-loaded' as const, flushes: 50, warmupFlushes: 0 };
    const byRef = await machine.run({ ...opts, protocol: 'concurrent' });
    const inline = await machine.run({ ...opts, protocol: 'async-inline' });
    assert.ok(inline.counters.modeledLineTransfers < byRef.counters.modeledLineTransfers);
  });

  test('interrupt-disabled windows delay the modeled flush (p99 above p50)', async () => {
    const r = await machine.run({ protocol: 'sync', workload: 'irqs-off', flushes: 400 });
    const quiet = await machine.run({ protocol: 'sync', workload: 'madvise', flushes: 400 });
    assert.equal(quiet.modeledCycles.p99, quiet.modeledCycles.p50);
    assert.ok(r.modeledCycles.p99 > quiet.modeledCycles.p99);
  });
});

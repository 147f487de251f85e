/**
 * Broadcast as Linux 6.15 uses it: INVLPGB needs a global ASID, which consider_global_asid() gives
 * only to an mm active (loaded, not lazy) on 4 or more CPUs. Below that, every profile's
 * broadcast row flushes the IPI way, so its modeled cycles are concurrent's exactly; at 4 it sends
 * no IPI. And an mm whose other CPUs idle lazily is active on one CPU whatever the machine.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { activeCpusOf, Machine, profileNames, traitsIn } from '../sim/index.js';

const machines = new Map<number, Machine>();
after(async () => {
  await Promise.all([...machines.values()].map((m) => m.close()));
});

async function machine(cpus: number): Promise<Machine> {
  let m = machines.get(cpus);
  if (m === undefined) {
    m = await Machine.start({ cpus, engine: 'cooperative' });
    machines.set(cpus, m);
  }
  return m;
}

const modeled = (r: Awaited<ReturnType<Machine['run']>>) => ({
  p50: r.modeledCycles.p50,
  mean: r.modeledCycles.mean,
  p99: r.modeledCycles.p99,
  iteration: r.modeledIterationCycles.mean,
});

for (const profile of profileNames()) {
  test(`${profile}: broadcast costs what concurrent does at 1 and 2 CPUs, and sends no IPI at 4`, async () => {
    for (const cpus of [1, 2]) {
      const m = await machine(cpus);
      const run = (protocol: 'broadcast' | 'concurrent') =>
        m.run({ protocol, workload: 'madvise', pages: 1, flushes: 20, profile });
      const b = await run('broadcast');
      const c = await run('concurrent');
      assert.deepEqual(modeled(b), modeled(c), `${cpus} CPU(s)`);
      assert.equal(b.counters.broadcastInvalidations, 0);
      assert.equal(b.counters.ipisSent, c.counters.ipisSent);
    }
    const four = await (await machine(4)).run({
      protocol: 'broadcast',
      workload: 'madvise',
      pages: 1,
      flushes: 20,
      profile,
    });
    assert.equal(four.counters.ipisSent, 0);
    assert.ok(four.counters.broadcastInvalidations > 0);
  });
}

test('the threshold is counted in active CPUs: lazy idle CPUs do not count', () => {
  assert.equal(activeCpusOf({ workload: 'idle', cpus: 64 }), 1);
  assert.equal(traitsIn('broadcast', { workload: 'idle', cpus: 64 }).transport, 'ipi');
  assert.equal(traitsIn('broadcast', { workload: 'idle-loaded', cpus: 4 }).transport, 'broadcast');
  assert.equal(traitsIn('broadcast', { workload: 'madvise', cpus: 3 }).transport, 'ipi');
  assert.equal(traitsIn('sync', { workload: 'madvise', cpus: 2 }).transport, 'ipi');
});

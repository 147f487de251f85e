/**
 * One model, two engines: for every single-initiator case the modeled cycles are a function of
 * the events the protocol performs, not of how the CPUs were interleaved, so the threads engine
 * (a worker per CPU, the OS's interleaving) and the cooperative one (a seeded schedule on one
 * worker) give the same flush p50, mean and p99 and the same iteration mean, bit for bit: every
 * safe protocol × madvise, munmap, idle and nmi × 1, 2, 8 and 64 CPUs × 1, 8 and 64 pages.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type CaseResult, Machine, SAFE_PROTOCOLS, type Workload } from '../sim/index.js';

const WORKLOADS: Workload[] = ['madvise', 'munmap', 'idle', 'nmi'];
const CPUS = [1, 2, 8, 64];
const PAGES = [1, 8, 64];
/** Enough flushes for a p99 of its own; a counted warm-up, as the cooperative engine has. */
const FLUSHES = 24;
const WARMUP = 8;

const machines: Machine[] = [];
after(async () => {
  await Promise.all(machines.map((m) => m.close()));
});

function modeled(r: CaseResult) {
  return {
    p50: r.modeledCycles.p50,
    mean: r.modeledCycles.mean,
    p99: r.modeledCycles.p99,
    iterationMean: r.modeledIterationCycles.mean,
  };
}

for (const cpus of CPUS) {
  test(`${cpus} CPU${cpus === 1 ? '' : 's'}: modeled cycles are bit-identical on both engines`, async () => {
    const threads = await Machine.start({ cpus, engine: 'threads' });
    machines.push(threads);
    const cooperative = await Machine.start({ cpus, engine: 'cooperative' });
    machines.push(cooperative);
    let compared = 0;
    for (const protocol of SAFE_PROTOCOLS) {
      for (const workload of WORKLOADS) {
        for (const pages of PAGES) {
          const opts = { protocol, workload, pages, flushes: FLUSHES, warmupFlushes: WARMUP };
          const a = await threads.run(opts);
          const b = await cooperative.run({ ...opts, scheduleSeed: 1 + compared });
          assert.equal(a.engine, 'threads');
          assert.equal(b.engine, 'cooperative');
          assert.deepEqual(
            modeled(b),
            modeled(a),
            `${protocol} × ${workload} × ${cpus} CPUs × ${pages} pages`,
          );
          assert.ok(a.modeledCycles.p50 > 0);
          compared++;
        }
      }
    }
    assert.equal(compared, SAFE_PROTOCOLS.length * WORKLOADS.length * PAGES.length);
  });
}

/**
 * will-it-scale's tlb_flush1, 2 and 3 as workloads (sim/shared/workloads.ts): every thread loops
 * write, madvise(DONTNEED) and read over a page of its own mapping, so every CPU initiates; the
 * loop madvises one page, so no other page count is taken; and an iteration takes the faults the
 * mapping gives it (2, 2 and 1 + 1/16), each priced at the profile's pageFault, page walk and
 * PTE write.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { expandCases, SUITES } from '../bench/suites.js';
import { loadProfile, Machine } from '../sim/index.js';
import { WORKLOAD_TRAITS, WORKLOADS, type Workload } from '../sim/shared/workloads.js';
import { cli } from './helpers.js';

const WIS = WORKLOADS.filter((w) => WORKLOAD_TRAITS[w].willItScale !== null);
const PROFILE = 'xeon-e5-2680v3-2s';

const machines: Machine[] = [];
after(async () => {
  await Promise.all(machines.map((m) => m.close()));
});

test('the three will-it-scale TLB tests are workloads, each naming its source file', () => {
  assert.deepEqual(
    WIS.map((w) => WORKLOAD_TRAITS[w].willItScale?.file),
    ['tests/tlb_flush1.c', 'tests/tlb_flush2.c', 'tests/tlb_flush3.c'],
  );
});

test('an iteration takes the loop’s faults: its time over multi’s is the extra faults’ price', async () => {
  // One CPU: no targets, so the iteration is the same on every interleaving.
  const m = await Machine.start({ cpus: 1, engine: 'cooperative' });
  machines.push(m);
  const c = loadProfile(PROFILE).cycles;
  const fault = c.pageFault + c.pageWalk + c.pteUpdate;
  const iteration = async (workload: Workload) =>
    (await m.run({ protocol: 'concurrent', workload, pages: 1, flushes: 8, profile: PROFILE }))
      .modeledIterationCycles.mean;
  const multi = await iteration('multi');
  for (const w of WIS) {
    const extra = WORKLOAD_TRAITS[w].faultsPerPage - 1;
    assert.ok(Math.abs((await iteration(w)) - multi - extra * fault) < 1e-6, w);
  }
  assert.ok((await iteration('tlb_flush3')) < (await iteration('tlb_flush2')));
});

test('every CPU runs the loop: each one initiates its flushes, so each takes csds', async () => {
  const m = await Machine.start({ cpus: 4, engine: 'cooperative' });
  machines.push(m);
  for (const workload of WIS) {
    const r = await m.run({ protocol: 'concurrent', workload, pages: 1, flushes: 3 });
    // 4 initiators × 3 measured, and the warm-up (counted over all initiators), each to 3 others.
    assert.equal(r.flushesRun, 4 * 3 + r.warmupFlushes, workload);
    assert.ok(r.counters.csdsHandled >= 3 * r.flushesRun, workload);
  }
});

test('--pages other than the loop’s one page: exit 2 naming the option, the rule and the value', () => {
  for (const workload of WIS) {
    const r = cli(['sim', '--workload', workload, '--pages', '8', '--json']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(
        `--pages must be 1 with --workload ${workload}: will-it-scale's tests/${workload}\\.c madvises 1 page at a time \\(got 8\\)`,
      ),
    );
  }
});

test('the full suite runs each will-it-scale loop at one page, at every CPU count', () => {
  const cases = expandCases(SUITES.full);
  for (const w of WIS) {
    const mine = cases.filter((c) => c.workload === w);
    assert.deepEqual([...new Set(mine.map((c) => c.pages))], [1], w);
    assert.deepEqual([...new Set(mine.map((c) => c.cpus))], [...new Set(SUITES.full.cpus)], w);
  }
});

/**
 * What a broadcast costs. INVLPGB by pages, as Linux 6.15's broadcast_tlb_flush() issues it: one
 * INVLPGB per invlpgb_count_max pages of the range (the profile's invlpgbMaxPages, CPUID
 * Fn8000_0008 EDX[15:0] + 1), one for the whole ASID past the single-page ceiling, each twice
 * under PTI; the model prices that many and the simulator counts that many. And a TLBSYNC waits
 * behind the invalidations of the other CPUs broadcasting at once (workload multi).
 */

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { FlushCostModel } from '../sim/cpu/cost-model.js';
import { invlpgbOps, tlbsyncWait } from '../sim/cpu/invalidation-cost.js';
import { placementOf } from '../sim/cpu/placement.js';
import { Machine } from '../sim/index.js';
import { FLUSH_NONE } from '../sim/shared/layout.js';
import { loadProfile, type Profile, parseProfile, profileNames } from '../sim/shared/profile.js';
import { PROTOCOL_TRAITS } from '../sim/shared/protocols.js';

const CEILING = 33;

/**
 * The broadcast flush of `pages` on 4 CPUs (past Linux's threshold of active CPUs), in cycles,
 * with `broadcasters` CPUs flushing by broadcast at once.
 */
function broadcastCycles(profile: Profile, pages: number, broadcasters = 1): number {
  const m = new FlushCostModel({
    profile,
    cpus: 4,
    self: 0,
    distances: { to: () => 0 },
    clusters: placementOf(profile, 4).cluster,
    traits: PROTOCOL_TRAITS.broadcast,
    pages,
    seed: 1,
    crosscall: false,
    irqsOff: false,
    idleTargets: false,
    refillEntries: 64,
    broadcasters,
  });
  m.beginIteration();
  return m.flush(FLUSH_NONE, pages > CEILING, false, 0, null);
}

for (const name of profileNames()) {
  test(`${name}: a broadcast takes one INVLPGB per ${loadProfile(name).invlpgbMaxPages} pages, one past the ceiling`, () => {
    const p = loadProfile(name);
    const per = p.invlpgbMaxPages;
    const op = (p.pti ? 2 : 1) * p.cycles.invlpgb;
    const one = broadcastCycles(p, 1);
    assert.equal(one, op + p.cycles.tlbsync);
    // A range that fits one INVLPGB costs what one page does; one page more takes another.
    assert.equal(broadcastCycles(p, per), one);
    assert.equal(broadcastCycles(p, per + 1), one + op);
    assert.equal(broadcastCycles(p, 2 * per), one + op);
    assert.equal(broadcastCycles(p, CEILING), one + (Math.ceil(CEILING / per) - 1) * op);
    // Past the ceiling Linux flushes the whole ASID: one INVLPGB (per PCID).
    assert.equal(broadcastCycles(p, CEILING + 1), one);
  });
}

test('invlpgbOps follows the profile: one page per INVLPGB where the CPU names one', () => {
  const raw = JSON.parse(JSON.stringify(loadProfile('epyc-9965-2s').entries));
  const base = {
    name: 'one-page-invlpgb',
    ghz: 2,
    topology: { sockets: 1, coresPerSocket: 8, threadsPerCore: 1, coresPerLlc: 8 },
    apicMode: { value: 'x2apic-cluster', source: 'test' },
    apicClusterSize: { value: 16, source: 'test' },
    invlpgbMaxPages: { value: 1, source: 'test' },
    costs: raw,
  };
  const onePage = parseProfile({ ...base, pti: { value: false, source: 'test' } });
  assert.equal(invlpgbOps(onePage, 5), 5);
  assert.equal(invlpgbOps(onePage, 0), 1);
  const pti = parseProfile({ ...base, pti: { value: true, source: 'test' } });
  assert.equal(invlpgbOps(pti, 5), 10);
  assert.equal(invlpgbOps(pti, 0), 2);
  assert.throws(
    () =>
      parseProfile({
        ...base,
        pti: { value: false, source: 'test' },
        invlpgbMaxPages: { value: 0, source: 'test' },
      }),
    /invlpgbMaxPages\.value must be a whole number of pages from 1 to 65536/,
  );
});

test('a TLBSYNC waits behind the other broadcasters: the root of d·(i0 + d) = k·(own + d), whole', () => {
  assert.equal(tlbsyncWait(0, 5000, 600), 0);
  for (const [k, i0, own] of [
    [300, 5000, 600],
    [30_000, 5000, 600],
    [2_000_000, 4000, 1300],
  ]) {
    const d = tlbsyncWait(k, i0, own);
    const f = (x: number) => x * (i0 + x) - k * (own + x);
    assert.ok(Number.isInteger(d) && d > 0, `d = ${d}`);
    assert.ok(f(d - 1) < 0 && f(d + 1) > 0, `the root is within a cycle of ${d}`);
    // Never more than all the others' invalidations, nor less than the share of one window.
    assert.ok(d <= k && d >= (k * own) / (i0 + k), `${d} for k = ${k}`);
  }
  const p = loadProfile('epyc-9965-2s');
  const alone = broadcastCycles(p, 1);
  let last = alone;
  for (const n of [2, 8, 64, 768]) {
    const now = broadcastCycles(p, 1, n);
    assert.ok(now > last, `${n} broadcasters wait longer than fewer (${now} > ${last})`);
    last = now;
  }
});

const machines: Machine[] = [];
after(async () => {
  await Promise.all(machines.map((m) => m.close()));
});

test('the simulator counts the INVLPGBs it issues: twice as many for 9 pages as for 8', async () => {
  const m = await Machine.start({ cpus: 4, engine: 'cooperative' });
  machines.push(m);
  const profile = 'epyc-9965-2s';
  const per = loadProfile(profile).invlpgbMaxPages;
  const run = (pages: number) =>
    m.run({ protocol: 'broadcast', workload: 'madvise', pages, flushes: 20, profile });
  const fits = await run(per);
  const over = await run(per + 1);
  assert.equal(fits.flushesRun, over.flushesRun);
  assert.ok(fits.counters.broadcastInvalidations > 0);
  assert.equal(over.counters.broadcastInvalidations, 2 * fits.counters.broadcastInvalidations);
  assert.equal(over.oracle.staleUses + over.oracle.ackWindowViolations, 0);
});

test('in workload multi every initiator broadcasts, and each flush waits behind the others', async () => {
  const m = await Machine.start({ cpus: 4, engine: 'cooperative' });
  machines.push(m);
  const profile = 'epyc-9965-2s';
  const run = (workload: 'madvise' | 'multi') =>
    m.run({ protocol: 'broadcast', workload, pages: 1, flushes: 20, profile });
  const one = await run('madvise');
  const all = await run('multi');
  const p = loadProfile(profile);
  assert.equal(one.modeledCycles.p50, broadcastCycles(p, 1));
  assert.equal(all.modeledCycles.p50, broadcastCycles(p, 1, 4));
  assert.ok(all.modeledCycles.p50 > one.modeledCycles.p50);
  assert.equal(all.counters.ipisSent, 0);
});

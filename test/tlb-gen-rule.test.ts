import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { flushKindFor, rangeEnd } from '../sim/cpu/tlb-gen.js';
import { Machine } from '../sim/index.js';
import { FLUSH_FULL, FLUSH_NONE, FLUSH_PARTIAL, TLB_FLUSH_ALL } from '../sim/shared/layout.js';

test('flush_tlb_func: partial only when one request behind and that request is the latest', () => {
  // local, new, mm, end
  assert.equal(flushKindFor(4, 5, 5, 10), FLUSH_PARTIAL);
  assert.equal(flushKindFor(3, 5, 5, 10), FLUSH_FULL, 'missed generation 4: catch up in full');
  assert.equal(flushKindFor(4, 5, 6, 10), FLUSH_FULL, 'a newer request exists: catch up in full');
  assert.equal(flushKindFor(4, 5, 5, TLB_FLUSH_ALL), FLUSH_FULL, 'a full-range request');
  assert.equal(flushKindFor(6, 5, 6, 10), FLUSH_NONE, 'already caught up past it');
  assert.equal(flushKindFor(5, 5, 5, 10), FLUSH_NONE, 'already current');
});

test('the single-page ceiling: 33 pages flushed one by one, 34 in full', () => {
  assert.equal(rangeEnd(0, 33, 33), 33);
  assert.equal(rangeEnd(0, 34, 33), TLB_FLUSH_ALL);
  assert.equal(rangeEnd(10, 11, 0), TLB_FLUSH_ALL, 'a ceiling of 0 makes every flush full');
});

let machine: Machine;
before(async () => {
  machine = await Machine.start({ cpus: 2 });
});
after(() => machine.close());

test('the machine flushes 33 pages with 33 invlpgs per CPU and 34 pages in full', async () => {
  const flushes = 50;
  const warmupFlushes = 0;
  const r33 = await machine.run({ protocol: 'sync', pages: 33, flushes, warmupFlushes });
  assert.equal(r33.counters.fullFlushes, 0);
  assert.equal(r33.counters.partialFlushes, 2 * flushes, 'initiator and target, every flush');
  assert.equal(r33.counters.invlpgs, 2 * flushes * 33);
  const r34 = await machine.run({ protocol: 'sync', pages: 34, flushes, warmupFlushes });
  assert.equal(r34.counters.partialFlushes, 0);
  assert.equal(r34.counters.fullFlushes, 2 * flushes);
  assert.equal(r34.counters.invlpgs, 0);
  assert.ok(
    r34.modeledCycles.p50 < r33.modeledCycles.p50,
    'a full flush costs less than 33 invlpgs',
  );
  for (const r of [r33, r34]) assert.equal(r.oracle.staleUses + r.oracle.lostWrites, 0);
});

test('a configurable ceiling moves the switch', async () => {
  const r = await machine.run({
    protocol: 'concurrent',
    pages: 4,
    singlePageFlushCeiling: 3,
    flushes: 20,
    warmupFlushes: 0,
  });
  assert.equal(r.counters.partialFlushes, 0);
  assert.equal(r.counters.fullFlushes, 40);
});

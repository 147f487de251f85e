import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tlb } from '../sim/cpu/tlb.js';

const MM = 1;
function tlb(sets = 4, ways = 2) {
  return new Tlb(new Int32Array(new SharedArrayBuffer(3 * sets * ways * 4)), 0, sets, ways);
}

test('a lookup misses until a fill, then hits with the PTE it was filled from', () => {
  const t = tlb();
  assert.equal(t.lookup(MM, 5), -1);
  t.fill(MM, 5, 0x1234);
  const e = t.lookup(MM, 5);
  assert.ok(e >= 0);
  assert.equal(t.pteOf(e), 0x1234);
  assert.equal(t.lookup(2, 5), -1, 'another mm does not hit');
  assert.equal(t.lookup(MM, 9), -1, 'same set, other page');
});

test('a full set evicts its least recently used way', () => {
  const t = tlb(4, 2);
  // Pages 1, 5, 9 share set 1 (vpn & 3).
  t.fill(MM, 1, 10);
  t.fill(MM, 5, 50);
  t.lookup(MM, 1); // 1 is now more recent than 5
  t.fill(MM, 9, 90);
  assert.ok(t.lookup(MM, 1) >= 0, 'recently used page stays');
  assert.equal(t.lookup(MM, 5), -1, 'least recently used page is evicted');
  assert.ok(t.lookup(MM, 9) >= 0);
  assert.equal(t.validEntries(), 2);
});

test('invlpg drops one page, flushAll drops every entry', () => {
  const t = tlb();
  for (let vpn = 0; vpn < 6; vpn++) t.fill(MM, vpn, vpn);
  assert.equal(t.invlpg(MM, 3), 1);
  assert.equal(t.invlpg(MM, 3), 0, 'already gone');
  assert.equal(t.lookup(MM, 3), -1);
  assert.ok(t.lookup(MM, 4) >= 0);
  t.flushAll();
  assert.equal(t.validEntries(), 0);
});

test('broadcast invalidation drops only the page (or the mm) it names', () => {
  const t = tlb();
  t.fill(MM, 2, 1);
  t.fill(2, 3, 1);
  t.fill(MM, 7, 1);
  assert.equal(t.invalidateRemote(MM, 2), 1);
  assert.equal(t.lookup(MM, 2), -1);
  assert.ok(t.lookup(MM, 7) >= 0);
  assert.equal(t.invalidateRemoteMm(MM), 1, 'page 7 of mm 1');
  assert.ok(t.lookup(2, 3) >= 0, 'the other mm keeps its entry');
});

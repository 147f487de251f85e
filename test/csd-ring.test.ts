import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ringAdvance, ringInit, ringPeek, ringPop, ringPush } from '../sim/shared/csd-ring.js';
import { LINE, ringTailOffset } from '../sim/shared/layout.js';

function ring(capacity: number) {
  const i32 = new Int32Array(new SharedArrayBuffer((ringTailOffset(capacity) + LINE) * 4));
  ringInit(i32, 0, capacity);
  return i32;
}

test('a push asks for an IPI only when it turns the queue from empty to non-empty', () => {
  const i32 = ring(8);
  assert.equal(ringPush(i32, 0, 8, 11), true, 'first push into an empty queue');
  assert.equal(ringPush(i32, 0, 8, 12), false, 'queue already non-empty');
  assert.equal(ringPop(i32, 0, 8), 11);
  assert.equal(ringPush(i32, 0, 8, 13), false, 'the consumer has not drained yet');
  assert.equal(ringPop(i32, 0, 8), 12);
  assert.equal(ringPop(i32, 0, 8), 13);
  assert.equal(ringPop(i32, 0, 8), 0, 'empty');
  assert.equal(ringPush(i32, 0, 8, 14), true, 'empty again: IPI');
});

test('a push while the consumer still handles the entry it peeked needs no IPI', () => {
  const i32 = ring(8);
  ringPush(i32, 0, 8, 1);
  assert.equal(ringPeek(i32, 0, 8), 1);
  // The handler is running on entry 1; a new push lands behind it.
  assert.equal(ringPush(i32, 0, 8, 2), false);
  ringAdvance(i32, 0, 8);
  assert.equal(ringPop(i32, 0, 8), 2, 'the drain finds it');
});

test('the ring is FIFO across many laps and refuses to overflow', () => {
  const cap = 4;
  const i32 = ring(cap);
  let expect = 1;
  let value = 1;
  for (let lap = 0; lap < 1000; lap++) {
    for (let k = 0; k < 3; k++) ringPush(i32, 0, cap, value++);
    for (let k = 0; k < 3; k++) assert.equal(ringPop(i32, 0, cap), expect++);
  }
  for (let k = 0; k < cap; k++) ringPush(i32, 0, cap, 100 + k);
  assert.throws(() => ringPush(i32, 0, cap, 999), /overflow/);
});

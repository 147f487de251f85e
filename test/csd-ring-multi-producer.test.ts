import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ringAdvance, ringInit, ringPeek } from '../sim/shared/csd-ring.js';
import { LINE, ringTailOffset } from '../sim/shared/layout.js';

const CANARY = 0x5a5a5a5a;

test('the csd ring keeps every producer FIFO, loses and duplicates nothing, and stays inside its words', async () => {
  const producers = 4;
  const perProducer = 5_000;
  const capacity = 16;
  // [canary line][ring block: doorbell words, head, slots, tail line][canary line][control]
  const base = LINE;
  const ringWords = ringTailOffset(capacity) + LINE;
  const after = base + ringWords;
  const inFlightIdx = after + LINE;
  const startIdx = inFlightIdx + LINE;
  const i32 = new Int32Array(new SharedArrayBuffer((startIdx + LINE) * 4));
  i32.fill(CANARY, 0, base);
  i32.fill(CANARY, after, after + LINE);
  // The three words before the head belong to the doorbell, not the ring: canaries too.
  i32.fill(CANARY, base, base + 3);
  ringInit(i32, base, capacity);

  const url = new URL('./fixtures/ring-producer.js', import.meta.url);
  const workers = Array.from(
    { length: producers },
    (_, producer) =>
      new Worker(url, {
        workerData: {
          sab: i32.buffer,
          base,
          capacity,
          producer,
          count: perProducer,
          seed: 0x1234 + producer * 7919,
          inFlightIdx,
          maxInFlight: capacity,
          startIdx,
        },
      }),
  );
  const done = workers.map(
    (w) =>
      new Promise<{ ipis: number }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  Atomics.store(i32, startIdx, 1);
  Atomics.notify(i32, startIdx);

  const next = new Array<number>(producers).fill(1);
  let taken = 0;
  const deadline = performance.now() + 60_000;
  while (taken < producers * perProducer) {
    assert.ok(performance.now() < deadline, `consumer stalled after ${taken} entries`);
    const v = ringPeek(i32, base, capacity);
    if (v === 0) continue;
    ringAdvance(i32, base, capacity);
    Atomics.sub(i32, inFlightIdx, 1);
    const producer = (v >>> 20) - 1;
    const seq = v & 0xfffff;
    assert.ok(producer >= 0 && producer < producers, `value ${v} names no producer`);
    assert.equal(seq, next[producer], `producer ${producer} out of order`);
    next[producer]++;
    taken++;
  }
  const results = await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));

  assert.deepEqual(next, new Array(producers).fill(perProducer + 1));
  assert.equal(ringPeek(i32, base, capacity), 0, 'the ring is empty at the end');
  for (let i = 0; i < base + 3; i++) assert.equal(i32[i], CANARY, `canary before the ring at ${i}`);
  for (let i = after; i < after + LINE; i++)
    assert.equal(i32[i], CANARY, `canary after the ring at ${i}`);
  // Every push that found the queue empty would raise an IPI; at least the first one must.
  const ipis = results.reduce((n, r) => n + r.ipis, 0);
  assert.ok(ipis >= 1 && ipis <= producers * perProducer);
});

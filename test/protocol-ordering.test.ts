import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Machine, type OrderEvent, type Protocol } from '../sim/index.js';

/** The global position of a step: `cpu`'s `step` (about `peer`, when given). */
function at(order: OrderEvent[], cpu: number, step: string, peer?: number): number {
  const i = order.findIndex(
    (e) => e.cpu === cpu && e.step === step && (peer === undefined || e.peer === peer),
  );
  assert.ok(
    i >= 0,
    `no ${step} on CPU ${cpu}${peer === undefined ? '' : ` about ${peer}`}: ${JSON.stringify(order)}`,
  );
  return i;
}

/**
 * Where the IPI to `t` went out, or null when none did: a push onto a queue that was not empty
 * sends none (llist_add's rule), and the target finds the csd as it drains — so the invariant is
 * that the csd was queued before the target's handler ran, and the IPI too if there was one.
 */
function ipiTo(order: OrderEvent[], t: number): number | null {
  const i = order.findIndex((e) => e.cpu === 0 && e.step === 'ipi-sent' && e.peer === t);
  return i >= 0 ? i : null;
}

/** The csd (and its IPI, if one was needed) reached `t` before its handler started. */
function reachedBefore(order: OrderEvent[], t: number, step: number): void {
  assert.ok(at(order, 0, 'csd-queued', t) < step);
  const ipi = ipiTo(order, t);
  if (ipi !== null) assert.ok(ipi < step);
}

let machine: Machine;
before(async () => {
  machine = await Machine.start({ cpus: 3 });
});
after(() => machine.close());

async function traced(protocol: Protocol, freedTables = false) {
  const r = await machine.run({
    protocol,
    workload: 'idle-loaded',
    flushes: 10,
    trace: true,
    freedTables,
  });
  assert.ok(r.order && r.order.length > 0);
  return r.order;
}

test('sync (≤ 5.12): local flush first; each target flushes before it unlocks; return after every unlock', async () => {
  const o = await traced('sync');
  assert.ok(at(o, 0, 'local-flush-done') < at(o, 0, 'csd-queued', 1));
  for (const t of [1, 2]) {
    reachedBefore(o, t, at(o, t, 'handler-start', 0));
    assert.ok(at(o, t, 'flush-done', 0) < at(o, t, 'ack', 0));
    assert.ok(at(o, t, 'ack', 0) < at(o, 0, 'ack-seen', t));
    assert.ok(at(o, 0, 'ack-seen', t) < at(o, 0, 'flush-returned'));
  }
});

test('concurrent (≥ 5.13): queue and send first, local flush while the targets work, then wait', async () => {
  const o = await traced('concurrent');
  for (const t of [1, 2]) reachedBefore(o, t, at(o, 0, 'local-flush-done'));
  for (const t of [1, 2]) {
    assert.ok(at(o, t, 'flush-done', 0) < at(o, t, 'ack', 0));
    assert.ok(at(o, t, 'ack', 0) < at(o, 0, 'flush-returned'));
  }
});

test('async-inline: the target copies the info, acknowledges, then flushes; the initiator waits for acks only', async () => {
  const o = await traced('async-inline');
  for (const t of [1, 2]) reachedBefore(o, t, at(o, 0, 'local-flush-done'));
  for (const t of [1, 2]) {
    assert.ok(at(o, t, 'info-copied', 0) < at(o, t, 'ack', 0));
    assert.ok(at(o, t, 'ack', 0) < at(o, t, 'flush-done', 0), 'the flush comes after the ack');
    assert.ok(at(o, t, 'ack', 0) < at(o, 0, 'ack-seen', t));
  }
});

test('async-inline with freed page tables waits for completed flushes (condition 1)', async () => {
  const o = await traced('async-inline', true);
  for (const t of [1, 2]) {
    assert.ok(at(o, t, 'flush-done', 0) < at(o, t, 'ack', 0));
    assert.ok(at(o, t, 'ack', 0) < at(o, 0, 'flush-returned'));
  }
});

test('broadcast at 4 CPUs: no IPI and no code on the targets; invalidate, then TLBSYNC, then return', async () => {
  // An mm active on 4 or more CPUs gets a global ASID (Linux 6.15), which INVLPGB needs.
  const four = await Machine.start({ cpus: 4 });
  try {
    const r = await four.run({
      protocol: 'broadcast',
      workload: 'idle-loaded',
      flushes: 10,
      trace: true,
    });
    assert.deepEqual(
      r.order!.map((e) => e.step),
      ['flush-start', 'invlpgb-done', 'tlbsync-done', 'flush-returned'],
    );
    assert.ok(r.order!.every((e) => e.cpu === 0));
  } finally {
    await four.close();
  }
});

test('broadcast at 3 CPUs: no global ASID, so the IPI path of concurrent, step for step', async () => {
  const broadcast = await traced('broadcast');
  const concurrent = await traced('concurrent');
  assert.deepEqual(
    broadcast.map((e) => [e.cpu, e.step, e.peer]),
    concurrent.map((e) => [e.cpu, e.step, e.peer]),
  );
  assert.ok(broadcast.some((e) => e.step === 'ipi-sent'));
});

test('async-unsafe acknowledges without flushing in the handler', async () => {
  const o = await traced('async-unsafe');
  for (const t of [1, 2]) {
    assert.ok(at(o, t, 'ack', 0) < at(o, 0, 'ack-seen', t));
    const handler = o
      .slice(at(o, t, 'handler-start', 0), at(o, t, 'ack', 0) + 1)
      .filter((e) => e.cpu === t);
    assert.ok(!handler.some((e) => e.step === 'flush-done'), 'no flush before the ack');
  }
});

test('async-ignore-freed-tables acknowledges before it flushes even when page tables were freed', async () => {
  const o = await traced('async-ignore-freed-tables', true);
  for (const t of [1, 2]) {
    assert.ok(at(o, t, 'ack', 0) < at(o, t, 'flush-done', 0), 'the ack comes before the flush');
    assert.ok(at(o, t, 'ack', 0) < at(o, 0, 'ack-seen', t));
  }
});

test('async-nmi-unchecked orders its flush as async-inline does (only its NMI handler differs)', async () => {
  const o = await traced('async-nmi-unchecked');
  for (const t of [1, 2]) {
    assert.ok(at(o, t, 'info-copied', 0) < at(o, t, 'ack', 0));
    assert.ok(at(o, t, 'ack', 0) < at(o, t, 'flush-done', 0));
  }
});

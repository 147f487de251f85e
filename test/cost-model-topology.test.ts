import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlushCostModel } from '../sim/cpu/cost-model.js';
import { placementOf } from '../sim/cpu/placement.js';
import { FLUSH_PARTIAL } from '../sim/shared/layout.js';
import {
  DIST_LLC,
  DIST_REMOTE_SOCKET,
  DIST_SMT,
  distance,
  loadProfile,
} from '../sim/shared/profile.js';
import { PROTOCOL_TRAITS } from '../sim/shared/protocols.js';

const xeon = loadProfile('xeon-gold-5418y-2s');

test('CPUs are numbered as Linux does: cores across sockets first, then SMT siblings', () => {
  const t = xeon.topology; // 2 sockets × 24 cores × 2 threads
  assert.equal(distance(t, 0, 1), DIST_LLC);
  assert.equal(distance(t, 0, 24), DIST_REMOTE_SOCKET);
  assert.equal(distance(t, 0, 48), DIST_SMT);
});

function modelFlush(protocol: 'sync' | 'async-inline', targets: number[], distances: Uint8Array) {
  const m = new FlushCostModel({
    profile: xeon,
    cpus: distances.length,
    self: 0,
    distances: { to: (c: number) => distances[c] },
    clusters: placementOf(xeon, distances.length).cluster,
    traits: PROTOCOL_TRAITS[protocol],
    pages: 1,
    seed: 1,
    crosscall: false,
    irqsOff: false,
    idleTargets: false,
    refillEntries: 64,
  });
  targets.forEach((t, i) => {
    m.targets[i] = t;
    m.remoteKind[i] = FLUSH_PARTIAL;
  });
  m.nTargets = targets.length;
  m.beginIteration();
  return {
    cycles: m.flush(FLUSH_PARTIAL, false, protocol === 'sync', 0, null),
    transfers: m.lineTransfers,
  };
}

test('a target on the other socket costs what the profile gives for that distance', () => {
  const near = new Uint8Array([0, DIST_LLC]);
  const far = new Uint8Array([0, DIST_REMOTE_SOCKET]);
  const a = modelFlush('sync', [1], near);
  const b = modelFlush('sync', [1], far);
  const perTransfer =
    xeon.lineTransferCycles[DIST_REMOTE_SOCKET] - xeon.lineTransferCycles[DIST_LLC];
  assert.ok(perTransfer > 0);
  // The IPI crossing plus every line the protocol touches pays the difference.
  assert.equal(b.cycles - a.cycles, perTransfer * (a.transfers + 1));
});

test('inline info: one line fewer per target, and the target flushes after the ack', () => {
  const d = new Uint8Array([0, DIST_LLC, DIST_LLC]);
  const sync = modelFlush('sync', [1, 2], d);
  const inline = modelFlush('async-inline', [1, 2], d);
  assert.equal(sync.transfers - inline.transfers, 2);
  assert.ok(inline.cycles < sync.cycles);
});

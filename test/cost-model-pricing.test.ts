/**
 * What the model charges for what separates the protocols: IPIs sent per x2APIC cluster, and a
 * full flush priced with the refills it causes (Linux's tlb_single_page_flush_ceiling reasoning).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlushCostModel } from '../sim/cpu/cost-model.js';
import { fullFlushBreakEven } from '../sim/cpu/invalidation-cost.js';
import { placementOf } from '../sim/cpu/placement.js';
import { FLUSH_FULL, FLUSH_PARTIAL } from '../sim/shared/layout.js';
import {
  apicCluster,
  distance,
  hardwareThreads,
  loadProfile,
  type Profile,
  parseProfile,
  profileNames,
} from '../sim/shared/profile.js';
import { PROTOCOL_TRAITS } from '../sim/shared/protocols.js';

const CEILING = 33;
const WORKING_SET = 64;

function model(profile: Profile, cpus: number, pages: number, protocol: 'sync' | 'concurrent') {
  const distances = new Uint8Array(cpus);
  for (let c = 0; c < cpus; c++) distances[c] = distance(profile.topology, 0, c);
  const m = new FlushCostModel({
    profile,
    cpus,
    self: 0,
    distances: { to: (c: number) => distances[c] },
    clusters: placementOf(profile, cpus).cluster,
    traits: PROTOCOL_TRAITS[protocol],
    pages,
    seed: 1,
    crosscall: false,
    irqsOff: false,
    idleTargets: false,
    refillEntries: WORKING_SET,
  });
  for (let i = 1; i < cpus; i++) m.targets[i - 1] = i;
  m.nTargets = cpus - 1;
  return m;
}

/** One flush of `pages`, as Linux would do it, and its cost on every CPU that flushed. */
function flushWork(profile: Profile, cpus: number, pages: number): number {
  const m = model(profile, cpus, pages, 'sync');
  const kind = pages > CEILING ? FLUSH_FULL : FLUSH_PARTIAL;
  m.remoteKind.fill(kind);
  m.beginIteration();
  const latency = m.flush(kind, pages > CEILING, true, 0, null);
  let work = latency + m.refill(kind);
  for (let cpu = 1; cpu < cpus; cpu++) work += m.remoteHandler(0, true, kind, true);
  return work;
}

/** A one-socket part with 64 cores and no SMT: APIC IDs 0–63, four x2APIC clusters. */
function flat(apicMode: 'x2apic-cluster' | 'x2apic-physical'): Profile {
  const raw = JSON.parse(JSON.stringify(loadProfile('xeon-gold-5418y-2s').entries));
  return parseProfile({
    name: `flat-${apicMode}`,
    ghz: 2,
    topology: { sockets: 1, coresPerSocket: 64, threadsPerCore: 1, coresPerLlc: 64 },
    pti: { value: false, source: 'test' },
    apicMode: { value: apicMode, source: 'test' },
    apicClusterSize: { value: apicMode === 'x2apic-cluster' ? 16 : 1, source: 'test' },
    invlpgbMaxPages: { value: 8, source: 'test' },
    costs: raw,
  });
}

function icrWrites(profile: Profile, cpus: number): { writes: number; sendCycles: number } {
  const m = model(profile, cpus, 1, 'concurrent');
  m.beginIteration();
  const trace: { event: string; cycles: number }[] = [];
  m.flush(FLUSH_PARTIAL, false, false, 0, trace as never);
  assert.equal(trace.filter((e) => e.event === 'icr-write').length, m.icrWrites);
  return { writes: m.icrWrites, sendCycles: m.icrWrites * profile.cycles.ipiSend };
}

test('x2APIC cluster mode: 64 CPUs send one ICR write per cluster (4), physical mode one per CPU (63)', () => {
  assert.equal(icrWrites(flat('x2apic-cluster'), 64).writes, 4);
  assert.equal(icrWrites(flat('x2apic-physical'), 64).writes, 63);
  // The cost of sending grows with the clusters, not the CPUs.
  const cluster = flat('x2apic-cluster');
  assert.equal(icrWrites(cluster, 16).writes, 1);
  assert.equal(icrWrites(cluster, 17).writes, 2);
  assert.equal(icrWrites(cluster, 48).sendCycles, 3 * cluster.cycles.ipiSend);
});

test('on every profile, the ICR writes are the distinct clusters of the targets', () => {
  for (const name of profileNames()) {
    const p = loadProfile(name);
    for (const cpus of [2, 4, 16, 64].filter((n) => n <= hardwareThreads(p.topology))) {
      const clusters = new Set<number>();
      for (let cpu = 1; cpu < cpus; cpu++) clusters.add(apicCluster(p, cpu));
      assert.equal(icrWrites(p, cpus).writes, clusters.size, `${name} at ${cpus} CPUs`);
    }
  }
});

test('on every profile and CPU count: the cost rises with pages up to the ceiling, and a full flush with its refills costs more than one page', () => {
  for (const name of profileNames()) {
    const p = loadProfile(name);
    for (const cpus of [1, 2, 4, 8, 16, 64].filter((n) => n <= hardwareThreads(p.topology))) {
      let previous = 0;
      for (let pages = 1; pages <= CEILING; pages++) {
        const w = flushWork(p, cpus, pages);
        assert.ok(
          w > previous,
          `${name}, ${cpus} CPUs: ${pages} pages cost more than ${pages - 1}`,
        );
        previous = w;
      }
      const full = flushWork(p, cpus, CEILING + 1);
      assert.ok(full > flushWork(p, cpus, 1), `${name}, ${cpus} CPUs: a full flush > 1 page`);
    }
  }
});

test('the break-even page count is where INVLPGs start to cost more than a full flush and its refills', () => {
  for (const name of profileNames()) {
    const p = loadProfile(name);
    const n = fullFlushBreakEven(p, WORKING_SET);
    const perPage = p.cycles.invlpg + (p.pti ? p.cycles.invpcid : 0);
    const full = (p.pti ? 2 : 1) * p.cycles.fullFlush + WORKING_SET * p.cycles.pageWalk;
    assert.ok(n * perPage > full, name);
    assert.ok((n - 1) * perPage <= full, name);
  }
});

/**
 * The cluster size is a stated setting of a profile: the CPUs one ICR write reaches. It is
 * checked against the APIC mode (a power of two up to 16 in cluster mode, 1 in physical mode),
 * and apicCluster() groups CPUs by it, on the largest machines too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  apicCluster,
  apicId,
  hardwareThreads,
  loadProfile,
  type Profile,
  parseProfile,
} from '../sim/shared/profile.js';

const PROFILES = fileURLToPath(new URL('../../sim/profiles/', import.meta.url));

/** A shipped profile's JSON with the APIC settings replaced. */
function withApic(name: string, apicMode: string, apicClusterSize: unknown): unknown {
  const raw = JSON.parse(readFileSync(`${PROFILES}${name}.json`, 'utf8'));
  return {
    ...raw,
    apicMode: { value: apicMode, source: 'test' },
    apicClusterSize: { value: apicClusterSize, source: 'test' },
  };
}

/** CPUs per ICR write: apicCluster() over every hardware thread, as sizes of the groups. */
function groupSizes(p: Profile): number[] {
  const groups = new Map<number, number>();
  for (let cpu = 0; cpu < hardwareThreads(p.topology); cpu++) {
    const g = apicCluster(p, cpu);
    groups.set(g, (groups.get(g) ?? 0) + 1);
  }
  return [...groups.values()];
}

test('apicClusterSize is refused unless it is a power of two up to 16 in cluster mode, or 1 in physical mode', () => {
  const refused = (raw: unknown, message: RegExp) =>
    assert.throws(
      () => parseProfile(raw, 'p.json'),
      (e: Error & { code?: string }) =>
        e.code === 'FLUSHBENCH_ERR_INVALID_PROFILE' && message.test(e.message),
    );
  const clusterRule = 'must be a power of two from 1 to 16 in x2apic-cluster mode';
  for (const bad of [12, 32, 0, -16, 2.5, '16', null]) {
    refused(
      withApic('epyc-9965-2s', 'x2apic-cluster', bad),
      new RegExp(
        `^profile p\\.json: apicClusterSize\\.value ${clusterRule} \\(got ${JSON.stringify(bad)}\\)$`,
      ),
    );
  }
  refused(
    withApic('xeon-platinum-8490h-8s', 'x2apic-physical', 16),
    /^profile p\.json: apicClusterSize\.value must be 1 in x2apic-physical mode \(got 16\)$/,
  );
  const { apicClusterSize: _size, ...missing } = withApic('epyc-9965-2s', 'x2apic-cluster', 16) as {
    apicClusterSize: unknown;
  };
  refused(missing, /apicClusterSize must be \{ "value", "source" \} \(got undefined\)/);
  for (const size of [1, 2, 4, 8, 16]) {
    assert.equal(
      parseProfile(withApic('epyc-9965-2s', 'x2apic-cluster', size)).apicClusterSize,
      size,
    );
  }
});

test('on 2 × EPYC 9965 and 8 × Xeon 8490H, cluster mode reaches 16 CPUs of consecutive APIC IDs per ICR write, physical mode 1', () => {
  const epyc = loadProfile('epyc-9965-2s');
  // 384 APIC IDs per socket fill 24 clusters of 16: 48 writes reach all 768 CPUs.
  assert.deepEqual(groupSizes(epyc), new Array(48).fill(16));
  const xeon = loadProfile('xeon-platinum-8490h-8s');
  // 120 APIC IDs per socket: 7 clusters of 16 and one of the last 8, in each of 8 sockets.
  const sizes = groupSizes(xeon);
  assert.equal(sizes.length, 64);
  assert.deepEqual(
    sizes.filter((n) => n !== 16),
    new Array(8).fill(8),
  );
  for (const p of [epyc, xeon]) {
    for (let cpu = 0; cpu < hardwareThreads(p.topology); cpu++) {
      assert.equal(apicCluster(p, cpu), apicId(p.topology, cpu) >> 4, `${p.name} CPU ${cpu}`);
    }
    const physical = parseProfile(withApic(p.name, 'x2apic-physical', 1));
    assert.equal(physical.apicClusterSize, 1);
    const one = groupSizes(physical);
    assert.equal(one.length, hardwareThreads(p.topology), p.name);
    assert.ok(
      one.every((n) => n === 1),
      `${p.name}: one CPU per ICR write`,
    );
  }
});

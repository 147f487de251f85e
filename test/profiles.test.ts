import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  COST_KEYS,
  hardwareThreads,
  loadProfile,
  MAX_COST_CYCLES,
  MAX_GHZ,
  parseProfile,
  profileNames,
} from '../sim/shared/profile.js';
import { rawProfile } from './fixtures/raw-profile.js';

test('every shipped profile loads, cites every number and converts it to whole cycles', () => {
  const names = profileNames();
  assert.ok(names.length >= 2);
  for (const name of names) {
    const p = loadProfile(name);
    for (const key of COST_KEYS) {
      assert.ok(p.entries[key].source.length > 20, `${name}.${key} cites a source`);
      assert.ok(Number.isInteger(p.cycles[key]) && p.cycles[key] > 0, `${name}.${key} in cycles`);
    }
    for (const key of ['pti', 'apicMode', 'apicClusterSize', 'invlpgbMaxPages'] as const) {
      assert.ok(p.settings[key].source.length > 20, `${name}.${key} cites a source`);
    }
  }
});

test('the largest machines: 2 × EPYC 9965 has 768 threads in 16-core LLCs, 8 × Xeon 8490H 960 in one LLC per socket', () => {
  const epyc = loadProfile('epyc-9965-2s');
  assert.ok(hardwareThreads(epyc.topology) >= 768);
  assert.deepEqual(epyc.topology, {
    sockets: 2,
    coresPerSocket: 192,
    threadsPerCore: 2,
    coresPerLlc: 16,
  });
  const xeon = loadProfile('xeon-platinum-8490h-8s');
  assert.equal(hardwareThreads(xeon.topology), 960);
  assert.deepEqual(xeon.topology, {
    sockets: 8,
    coresPerSocket: 60,
    threadsPerCore: 2,
    coresPerLlc: 60,
  });
  for (const p of [epyc, xeon]) {
    assert.equal(p.apicMode, 'x2apic-cluster', p.name);
    assert.equal(p.apicClusterSize, 16, p.name);
  }
});

test('a profile without a source, or with an unknown cost, is refused with its path and key', () => {
  const { costs: good, ...base } = rawProfile();
  assert.throws(
    () =>
      parseProfile(
        { ...base, costs: { ...good, invlpg: { ...good.invlpg, source: '' } } },
        'p.json',
      ),
    (e: Error & { code?: string }) =>
      e.code === 'FLUSHBENCH_ERR_INVALID_PROFILE' &&
      /p\.json: costs\.invlpg\.source/.test(e.message),
  );
  assert.throws(
    () => parseProfile({ ...base, costs: { ...good, warpDrive: good.invlpg } }),
    /costs\.warpDrive is not a known cost/,
  );
  const { pti: _pti, ...noPti } = base;
  assert.throws(
    () => parseProfile({ ...noPti, costs: good }),
    /pti must be \{ "value", "source" \} \(got undefined\)/,
  );
  assert.throws(
    () => parseProfile({ ...base, apicMode: { value: 'xapic-flat', source: 'x' }, costs: good }),
    /apicMode\.value must be one of x2apic-cluster, x2apic-physical \(got "xapic-flat"\)/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, '{ nope');
  assert.throws(() => loadProfile(file), /is not valid JSON/);
});

test('every number of a profile is finite and bounded: costs in cycles and after ns × ghz, ghz, topology', () => {
  // Bounds are the subject here, not the ledger a changed value would need (cost-ledger.test.ts).
  const base = rawProfile({ ledgers: false });
  const entries = base.costs;
  const withCost = (key: string, value: unknown, unit: string) => ({
    ...base,
    costs: { ...entries, [key]: { ...entries[key], value, unit } },
  });
  const refused = (raw: unknown, message: RegExp) =>
    assert.throws(
      () => parseProfile(raw, 'p.json'),
      (e: Error & { code?: string }) =>
        e.code === 'FLUSHBENCH_ERR_INVALID_PROFILE' && message.test(e.message),
    );
  refused(
    withCost('ipiSend', 1e308, 'cycles'),
    new RegExp(
      `^profile p\\.json: costs\\.ipiSend\\.value must be a positive number of at most ${MAX_COST_CYCLES} cycles \\(got 1e\\+308\\)$`,
    ),
  );
  refused(withCost('ipiSend', Number.POSITIVE_INFINITY, 'cycles'), /costs\.ipiSend\.value/);
  refused(withCost('ipiSend', Number.NaN, 'cycles'), /costs\.ipiSend\.value/);
  refused(withCost('ipiSend', MAX_COST_CYCLES + 1, 'cycles'), /\(got 10000001\)/);
  // In ns the ceiling applies to ns × ghz: at 2 GHz, 5·10^6 ns is the most a cost may be.
  const nsCeiling = MAX_COST_CYCLES / base.ghz;
  refused(
    withCost('invlpg', nsCeiling + 1, 'ns'),
    /costs\.invlpg\.value must be a positive number of at most 5000000 ns \(10000000 cycles at 2 GHz\) \(got 5000001\)/,
  );
  const atCeiling = parseProfile(withCost('invlpg', nsCeiling, 'ns'));
  assert.equal(atCeiling.cycles.invlpg, MAX_COST_CYCLES, 'the ceiling itself is allowed');
  assert.equal(
    parseProfile(withCost('ipiSend', MAX_COST_CYCLES, 'cycles')).cycles.ipiSend,
    MAX_COST_CYCLES,
  );

  refused(
    { ...base, ghz: MAX_GHZ * 100 },
    /ghz must be a positive number of at most 10 \(got 1000\)/,
  );
  refused(
    { ...base, topology: { ...base.topology, sockets: 1e300 } },
    /topology\.sockets must be a positive integer of at most 32 \(got 1e\+300\)/,
  );
  refused(
    { ...base, topology: { ...base.topology, threadsPerCore: 64 } },
    /topology\.threadsPerCore must be a positive integer of at most 8 \(got 64\)/,
  );
  refused(
    { ...base, topology: { ...base.topology, coresPerSocket: 4096, coresPerLlc: 4096 } },
    /topology\.coresPerSocket must be a positive integer of at most 1024 \(got 4096\)/,
  );
});

/**
 * `flushbench profiles` states each machine as the issue asks: its topology, LLC groups, SMT,
 * APIC mode and cluster size, and the pages one INVLPGB covers, in the table and in --json, read
 * from the profile itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hardwareThreads, loadProfile, profileNames } from '../sim/shared/profile.js';
import { runMain } from './cli-in-process.js';

test('flushbench profiles prints every profile’s topology, LLC groups, SMT, APIC mode and cluster size', async () => {
  const json = await runMain(['profiles', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout);
  const text = await runMain(['profiles']);
  assert.equal(text.code, 0, text.stderr);
  for (const name of profileNames()) {
    const p = loadProfile(name);
    const t = p.topology;
    const row = rows.find((r: { name: string }) => r.name === name);
    assert.equal(row.hardwareThreads, hardwareThreads(t), name);
    assert.equal(row.llcGroups, (t.sockets * t.coresPerSocket) / t.coresPerLlc, name);
    assert.deepEqual(row.apicClusterSize, p.settings.apicClusterSize, name);
    assert.deepEqual(row.invlpgbMaxPages, p.settings.invlpgbMaxPages, name);
    const line = text.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} has a row`);
    for (const cell of [
      `${t.sockets} × ${t.coresPerSocket} × ${t.threadsPerCore} = ${hardwareThreads(t)}`,
      `${row.llcGroups} × ${t.coresPerLlc} cores`,
      t.threadsPerCore > 1 ? `${t.threadsPerCore}-way` : 'off',
      `${p.apicMode} (${p.apicClusterSize})`,
    ]) {
      assert.ok(line.includes(cell), `${name}: ${JSON.stringify(cell)} in ${JSON.stringify(line)}`);
    }
    // The INVLPGB column follows the APIC one, before the estimates' count.
    assert.match(line, new RegExp(`\\(${p.apicClusterSize}\\) +${p.invlpgbMaxPages} +\\d+/`), name);
  }
  const epyc = text.stdout.split('\n').find((l) => l.startsWith('epyc-9965-2s '));
  assert.match(epyc ?? '', /2 × 192 × 2 = 768 +24 × 16 cores +2-way +off +x2apic-cluster \(16\)/);
  const xeon = text.stdout.split('\n').find((l) => l.startsWith('xeon-platinum-8490h-8s '));
  assert.match(xeon ?? '', /8 × 60 × 2 = 960 +8 × 60 cores +2-way +off +x2apic-cluster \(16\)/);
});

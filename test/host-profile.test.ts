/**
 * validate --host: a profile of this machine fitted to three of its kernel cases. What must hold
 * whatever the machine: the fit inverts the model (on the written profile, the model meets the
 * three cases it was fitted to), every cost says where it comes from, the validated points are
 * not the fitted ones, and a virtual machine gets a sentence, not a number.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  baseProfileOf,
  fitHostProfile,
  hostValidation,
  kernelProtocolOf,
} from '../bench/host-profile.js';
import { runBench } from '../bench/runner.js';
import { summarize } from '../common/stats.js';
import type { HostContext } from '../host/context.js';
import { checkHost, type KernelCase } from '../host/kernel.js';
import { loadProfile } from '../sim/index.js';
import { cli } from './helpers.js';

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
const skip = onLinuxX64 ? false : 'this host is measured on Linux x86-64 only';

const BARE_METAL: HostContext = {
  kernel: '6.8.0-40-generic',
  cpuModel: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
  onlineCpus: [0, 1],
  hypervisor: false,
  hypervisorVendor: null,
  kvmPvTlbFlush: 'no',
  meltdown: 'Not affected',
  pti: false,
  flags: { pcid: true, invpcid: true, invlpgb: false },
};

function kernelCase(cpus: number, madviseNs: number, touchNs: number): KernelCase {
  const madvise = Float64Array.from([madviseNs, madviseNs]);
  return {
    cpus,
    pages: 1,
    workload: 'touch',
    cpusUsed: [0, 1].slice(0, cpus),
    iterations: 2,
    madviseNs: summarize(madvise),
    madviseSamplesNs: madvise,
    touchNs: summarize([touchNs, touchNs]),
    iterationNs: summarize([madviseNs + touchNs, madviseNs + touchNs]),
    flushes: { madvise: 2, zeroPageCopies: 0 },
    ipis: {
      tlbShootdowns: cpus - 1,
      functionCalls: cpus - 1,
      tlbPerIteration: 0,
      callsPerIteration: 0,
      tlbPerFlush: 0,
    },
  };
}

test('the kernel a host runs names its protocol; the base profile follows vendor and PTI', () => {
  assert.equal(kernelProtocolOf('6.18.44-fc-v595'), 'concurrent');
  assert.equal(kernelProtocolOf('5.13.0'), 'concurrent');
  assert.equal(kernelProtocolOf('5.4.0-150-generic'), 'sync');
  assert.equal(kernelProtocolOf('5.2.21'), 'sync-5.2');
  assert.equal(baseProfileOf(BARE_METAL), 'xeon-gold-5418y-2s');
  assert.equal(baseProfileOf({ ...BARE_METAL, pti: true }), 'xeon-e5-2680v3-2s');
  assert.equal(baseProfileOf({ ...BARE_METAL, cpuModel: 'AMD EPYC 7R13' }), 'epyc-7r13-2s');
});

test('the fit inverts the model: on the host profile the model meets the three fitted cases', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-host-')), 'host.json');
  const ghz = 2.0;
  const local = kernelCase(1, 1800, 2400);
  const remote = kernelCase(2, 6200, 2500);
  const profile = await fitHostProfile(
    {
      context: BARE_METAL,
      ghz,
      line: { distance: 'llc', ns: 61.3 },
      local,
      remote,
      date: '2026-01-01',
    },
    file,
  );
  const p = loadProfile(file);
  assert.equal(p.name, 'host');
  assert.equal(p.ghz, ghz);
  assert.equal(p.pti, false);
  for (const [key, cost] of Object.entries(profile.costs)) {
    assert.ok(cost.source.length > 20, `${key} says where it comes from`);
  }
  assert.match(profile.costs.lineTransferLlc.source, /measured on this host/);
  for (const key of ['syscall', 'pageFault', 'ipiEntry']) {
    assert.match(profile.costs[key].source, /^fitted on this host/, key);
  }
  assert.match(profile.costs.invlpg.source, /^from profile xeon-gold-5418y-2s, not measured here/);
  const run = await runBench({
    suite: 'check',
    cases: [1, 2].map((cpus) => ({
      protocol: kernelProtocolOf(BARE_METAL.kernel),
      workload: 'madvise' as const,
      cpus,
      pages: 1,
    })),
    profile: file,
    timeMs: 1,
    iterations: 50,
    seed: 1,
    trace: false,
  });
  const [one, two] = run.cases.map((c) => {
    assert.ok(c.status === 'completed' && c.modeledCycles);
    return c.modeledCycles;
  });
  // Every cost is a whole number of cycles, so the model meets each case within a cycle or two.
  const near = (modeled: number, ns: number, what: string) =>
    assert.ok(
      Math.abs(modeled - ns * ghz) <= 2,
      `${what}: modeled ${modeled} cycles, measured ${ns * ghz}`,
    );
  near(one.callMean!, 1800, 'the call at 1 CPU');
  near(one.iterationMean - one.callMean!, 2400, 'the refault at 1 CPU');
  near(two.callMean!, 6200, 'the call at 2 CPUs');
});

test('on a virtual machine validate --host says it is not meaningful, with exit 0', {
  skip,
}, () => {
  const r = cli([
    'validate',
    '--host',
    '--profile-out',
    join(mkdtempSync(join(tmpdir(), 'fb-')), 'h.json'),
  ]);
  if (checkHost().hypervisor) {
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /not meaningful on a virtual machine/);
  } else {
    assert.match(r.stdout, /host-growth: /);
  }
});

test('the whole path, run for its mechanics: fitted cases are not validated against', {
  skip,
  timeout: 120_000,
}, async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-host-')), 'host.json');
  const h = await hostValidation(file, { onVirtualMachine: true });
  assert.ok(h.meaningful);
  assert.equal(loadProfile(file).name, 'host');
  const growth = h.published.measurements.find((m) => m.id === 'host-growth')!;
  const points = growth.points.map((p) => `${p.cpus}/${p.pages}`);
  assert.equal(points[0], '1/1', 'the baseline is the 1-CPU call');
  assert.ok(!points.includes('2/1'), 'the 2-CPU, 1-page call was fitted: not a validation point');
  assert.ok(points.includes('1/8') && points.includes('2/8'));
  const idle = h.published.measurements.find((m) => m.id === 'host-idle')!;
  assert.deepEqual(
    idle.points.map((p) => p.cpus),
    [1, 2],
  );
  for (const m of h.published.measurements) {
    for (const p of m.points) assert.ok(p.published > 0 && Number.isFinite(p.published));
  }
});

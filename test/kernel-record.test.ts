/**
 * A case of the host's kernel (protocol linux) in the run record: its rule (kernel, and neither
 * modeled cycles nor an oracle), its trip through the store, the CSV and the API, and compare's
 * note when the host under it changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOST_PROFILE, kernelRecordOf } from '../bench/kernel-case.js';
import type { KernelCaseSpec } from '../bench/suites.js';
import { summarize } from '../common/stats.js';
import { compareRuns } from '../data/compare.js';
import { formatComparison } from '../data/compare-format.js';
import { exportRun } from '../data/export.js';
import {
  type CaseRecord,
  type KernelContext,
  kernelCaseProblem,
  type MeasuredCase,
} from '../data/run-record.js';
import { Store } from '../data/store.js';
import type { KernelCase } from '../host/kernel.js';
import { buildApp } from '../server/app.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

const CONTEXT: KernelContext = {
  kernel: '6.18.44',
  cpuModel: 'AMD EPYC',
  onlineCpus: [0, 1],
  hypervisor: true,
  hypervisorVendor: 'KVM',
  kvmPvTlbFlush: 'yes',
  meltdown: 'Not affected',
  pti: false,
  flags: { pcid: true, invpcid: true, invlpgb: false },
};

const SPEC: KernelCaseSpec = { protocol: 'linux', workload: 'touch', cpus: 2, pages: 1 };

/** A measurement as host/kernel.ts gives it, from fixed samples. */
function measurement(madvise: number[]): KernelCase {
  const samples = Float64Array.from(madvise);
  return {
    ...SPEC,
    cpusUsed: [0, 1],
    iterations: samples.length,
    madviseNs: summarize(samples),
    madviseSamplesNs: samples,
    touchNs: summarize(samples.map((x) => x / 2)),
    iterationNs: summarize(samples.map((x) => x * 1.5)),
    flushes: { madvise: samples.length, zeroPageCopies: 1 },
    ipis: {
      tlbShootdowns: samples.length - 1,
      functionCalls: samples.length,
      tlbPerIteration: (samples.length - 1) / samples.length,
      callsPerIteration: 1,
      tlbPerFlush: (samples.length - 1) / (samples.length + 1),
    },
  };
}

const thinAll = (sorted: Float64Array) => Array.from(sorted);

function kernelCase(madvise: number[], context = CONTEXT): MeasuredCase {
  const c = kernelRecordOf(SPEC, measurement(madvise), context, thinAll);
  assert.ok(c.status === 'completed');
  return c;
}

test('a kernel case has its context and no modeled cycles or oracle; the rule says which field breaks it', () => {
  const c = kernelCase([9000, 10000, 11000, 30000]);
  assert.equal(c.profile, HOST_PROFILE);
  assert.equal(c.key, 'touch/linux/cpus=2/pages=1/host');
  assert.equal(c.wallNs.p50, 10500);
  assert.equal(c.kernel?.ipis.tlbShootdowns, 3);
  assert.equal(kernelCaseProblem(c), null);
  assert.match(kernelCaseProblem({ ...c, kernel: null }) ?? '', /must have kernel/);
  const sim = syntheticCase({ protocol: 'sync' });
  assert.match(
    kernelCaseProblem({ ...c, modeledCycles: sim.modeledCycles }) ?? '',
    /modeledCycles and oracle must be null/,
  );
  assert.equal(kernelCaseProblem(sim), null);
  assert.match(
    kernelCaseProblem({ ...sim, kernel: c.kernel }) ?? '',
    /only a case of protocol linux/,
  );
  assert.match(
    kernelCaseProblem({ ...sim, oracle: null }) ?? '',
    /must have modeledCycles and oracle/,
  );
});

test('a non-finite statistic makes the kernel case errored, as with simulated ones', () => {
  const c = kernelRecordOf(SPEC, measurement([]), CONTEXT, thinAll);
  assert.equal(c.status, 'errored');
  assert.match(c.error?.message ?? '', /madvise ns p50 must be a finite number \(got NaN\)/);
});

test('the store keeps a kernel case whole; the CSV leaves its modeled and oracle cells empty', () => {
  const store = Store.open(tempDb());
  try {
    const cases: CaseRecord[] = [syntheticCase({ protocol: 'sync' }), kernelCase([900, 1000])];
    const id = store.insertRun(syntheticRun({ cases }));
    const run = store.getRun(id)!;
    const k = run.cases.find((c) => c.protocol === 'linux')!;
    assert.ok(k.status === 'completed');
    assert.equal(k.modeledCycles, null);
    assert.equal(k.oracle, null);
    assert.deepEqual(k.kernel, kernelCase([900, 1000]).kernel);
    const sim = run.cases.find((c) => c.protocol === 'sync')!;
    assert.ok(sim.status === 'completed' && sim.modeledCycles !== null && sim.kernel === null);

    const csv = exportRun(store.getRunRecord(id)!, 'csv').split('\n');
    const header = csv[0].split(',');
    const row = csv.find((l) => l.startsWith('touch/linux/'))!.split(',');
    assert.equal(row[header.indexOf('wall_p50_ns')], '950');
    assert.equal(row[header.indexOf('modeled_p50_cycles')], '');
    assert.equal(row[header.indexOf('checked_accesses')], '');
  } finally {
    store.close();
  }
});

test('compare notes a change of kernel under a kernel case', () => {
  const store = Store.open(tempDb());
  try {
    const base = store.insertRun(syntheticRun({ cases: [kernelCase([1000, 1100, 1200])] }));
    const head = store.insertRun(
      syntheticRun({
        cases: [kernelCase([1000, 1100, 1200], { ...CONTEXT, kernel: '6.19.1' })],
      }),
    );
    const same = store.insertRun(syntheticRun({ cases: [kernelCase([1000, 1100, 1200])] }));
    const c = compareRuns(store, base, head);
    assert.equal(c.cases[0].note, 'the host changed: kernel 6.18.44 → 6.19.1');
    assert.equal(c.cases[0].modeled, null, 'a kernel case has no modeled figure to compare');
    assert.equal(c.cases[0].wall?.base, 1100);
    assert.match(
      formatComparison(c, 'text'),
      /note: touch\/linux\/cpus=2\/pages=1\/host: the host changed: kernel 6\.18\.44 → 6\.19\.1/,
    );
    assert.equal(compareRuns(store, base, same).cases[0].note, undefined);
  } finally {
    store.close();
  }
});

test('an upload whose kernel case breaks the rule is refused with 400 naming the case', async () => {
  const TOKEN = 'test-token-kernel-0123';
  const app = await buildApp({ dbFile: tempDb(), token: TOKEN });
  try {
    const post = (run: unknown) =>
      app.inject({
        method: 'POST',
        url: '/api/runs',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: run as object,
      });
    const good = kernelCase([900, 1000]);
    const bad = { ...good, modeledCycles: syntheticCase({ protocol: 'sync' }).modeledCycles };
    const refused = await post(syntheticRun({ cases: [syntheticCase({ protocol: 'sync' }), bad] }));
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(
      refused.json().error.message,
      /body\/cases\/1: a case of protocol linux is measured, not simulated/,
    );
    assert.equal(
      (await app.inject({ url: '/api/runs' })).json().runs.length,
      0,
      'nothing was written',
    );
    const accepted = await post(syntheticRun({ cases: [good] }));
    assert.equal(accepted.statusCode, 201, accepted.body);
  } finally {
    await app.close();
  }
});

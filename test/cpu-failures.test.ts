import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Machine } from '../sim/index.js';

const FIVE_SECONDS = 5000;

for (const cpus of [2, 4]) {
  test(`${cpus} CPUs: a CPU that stops answering IPIs is named as stuck, with its csd`, async () => {
    const m = await Machine.start({ cpus, csdLockTimeoutMs: 300 });
    try {
      const started = performance.now();
      await assert.rejects(
        m.run({ protocol: 'sync', fault: { cpu: 1, kind: 'hang', afterCsds: 5 } }),
        (e: Error & { code?: string; cpu?: number }) =>
          e.code === 'FLUSHBENCH_ERR_CPU_STUCK' &&
          e.cpu === 1 &&
          /CPU 1 is stuck.*csd \d+ \(CPU 0 → CPU 1, flush\)/.test(e.message),
      );
      assert.ok(performance.now() - started < FIVE_SECONDS);
      // Every CPU reported, so the machine can run the next case.
      const r = await m.run({ protocol: 'sync', flushes: 50 });
      assert.equal(r.oracle.staleUses, 0);
    } finally {
      await m.close();
    }
    assert.equal(m.runningWorkers, 0);
  });

  test(`${cpus} CPUs: a CPU that throws in its handler ends the run with an error naming it`, async () => {
    const m = await Machine.start({ cpus });
    try {
      const started = performance.now();
      await assert.rejects(
        m.run({ protocol: 'async-inline', fault: { cpu: cpus - 1, kind: 'throw', afterCsds: 3 } }),
        (e: Error & { code?: string; cpu?: number }) =>
          e.code === 'FLUSHBENCH_ERR_CPU_CRASHED' &&
          e.cpu === cpus - 1 &&
          e.message.includes('injected fault'),
      );
      assert.ok(performance.now() - started < FIVE_SECONDS);
    } finally {
      await m.close();
    }
    assert.equal(m.runningWorkers, 0);
  });

  test(`${cpus} CPUs: a CPU whose worker exits ends the run, and the machine refuses more`, async () => {
    const m = await Machine.start({ cpus });
    const started = performance.now();
    await assert.rejects(
      m.run({ protocol: 'concurrent', fault: { cpu: 1, kind: 'exit', afterCsds: 2 } }),
      (e: Error & { code?: string; cpu?: number }) =>
        e.code === 'FLUSHBENCH_ERR_CPU_CRASHED' &&
        e.cpu === 1 &&
        /exited with code 70/.test(e.message),
    );
    assert.ok(performance.now() - started < FIVE_SECONDS);
    await assert.rejects(m.run({}), { code: 'FLUSHBENCH_ERR_MACHINE_UNUSABLE' });
    await m.close();
    assert.equal(m.runningWorkers, 0, 'no orphaned worker');
  });
}

/**
 * The oracle's verdicts hold on the cooperative engine as on the threads one: at 2 to 256 CPUs, on
 * one worker and on several, every negative control is caught where it can break its guarantee, and every safe protocol
 * shows no violation of any kind on every workload.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  CONTROL_PROTOCOLS,
  Machine,
  mustBeCaught,
  PROTOCOL_TRAITS,
  SAFE_PROTOCOLS,
  violationsOf,
  WORKLOADS,
} from '../sim/index.js';
import { everyCpuInitiates, WORKLOAD_TRAITS } from '../sim/shared/workloads.js';

/** CPUs and worker threads: one worker (the deterministic schedule) and several. */
const MACHINES = [
  { cpus: 2, workers: 1 },
  { cpus: 4, workers: 1 },
  { cpus: 16, workers: 2 },
  { cpus: 64, workers: 1 },
  { cpus: 256, workers: 2 },
];
/** Where every CPU initiates, fewer flushes each keep 256 initiators quick. */
const flushesOf = (workload: string) => (everyCpuInitiates(workload) ? 3 : 16);

const machines: Machine[] = [];
after(async () => {
  await Promise.all(machines.map((m) => m.close()));
});

for (const { cpus, workers } of MACHINES) {
  test(`cooperative, ${cpus} CPUs on ${workers} worker${workers === 1 ? '' : 's'}: controls caught, safe protocols clean on every workload`, async () => {
    // The largest built-in profile of at least this many threads.
    const profile = cpus > 96 ? 'epyc-7r13-2s' : 'xeon-gold-5418y-2s';
    const machine = await Machine.start({ cpus, engine: 'cooperative', workers });
    machines.push(machine);
    const run = (protocol: string, workload: string) =>
      machine.run({
        protocol: protocol as never,
        workload: workload as never,
        flushes: flushesOf(workload),
        warmupFlushes: 4,
        profile: cpus > 192 ? 'epyc-9965-2s' : profile,
      });
    for (const protocol of SAFE_PROTOCOLS) {
      for (const workload of WORKLOADS) {
        const r = await run(protocol, workload);
        assert.equal(r.engine, 'cooperative');
        assert.equal(r.workers, workers);
        assert.equal(
          violationsOf(r.oracle),
          0,
          `${protocol} × ${workload}: ${JSON.stringify(r.oracle.firstViolation)}`,
        );
        assert.ok(r.oracle.checkedAccesses > 0);
      }
    }
    for (const protocol of CONTROL_PROTOCOLS) {
      const control = PROTOCOL_TRAITS[protocol].control!;
      for (const workload of WORKLOADS) {
        const freedTables = WORKLOAD_TRAITS[workload].freesTables;
        if (!mustBeCaught(protocol, { workload, cpus, freedTables })) continue;
        const r = await run(protocol, workload);
        assert.ok(
          r.oracle[control.caughtBy] > 0,
          `${protocol} × ${workload}: ${control.caughtBy} is 0 (${JSON.stringify(r.oracle)})`,
        );
        assert.ok(r.schedule?.firstViolationSteps?.length, 'the steps that led to it are kept');
      }
    }
  });
}

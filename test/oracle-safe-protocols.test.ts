/**
 * The safe protocols break neither rule of the oracle, on any workload, with or without freed
 * page tables — the same matrix on which the negative controls are caught.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Machine, SAFE_PROTOCOLS, WORKLOAD_TRAITS, WORKLOADS } from '../sim/index.js';
import { everyCpuInitiates } from '../sim/shared/workloads.js';

for (const cpus of [2, 8]) {
  describe(`safe protocols at ${cpus} CPUs`, () => {
    let machine: Machine;
    before(async () => {
      machine = await Machine.start({ cpus });
    });
    after(() => machine.close());
    for (const protocol of SAFE_PROTOCOLS) {
      for (const workload of [...WORKLOADS, 'idle --freed-tables'] as const) {
        test(`${protocol} × ${workload}: no violation of either rule`, async () => {
          const freedTables = workload === 'idle --freed-tables';
          const r = await machine.run({
            protocol,
            workload: freedTables ? 'idle' : workload,
            freedTables,
            flushes: everyCpuInitiates(workload) ? 60 : 300,
            // Two pages, or the one a will-it-scale loop madvises.
            pages: freedTables ? 2 : (WORKLOAD_TRAITS[workload].pages ?? 2),
          });
          const o = r.oracle;
          assert.ok(o.checkedAccesses > 0, 'the oracle saw accesses');
          const why = JSON.stringify(o.firstViolation);
          assert.equal(o.staleUses, 0, why);
          assert.equal(o.lostWrites, 0, why);
          assert.equal(o.ackWindowViolations, 0, why);
          assert.equal(o.freedTableWalks, 0, why);
          assert.equal(o.firstViolation, null);
        });
      }
    }
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Machine, SAFE_PROTOCOLS, WORKLOADS } from '../sim/index.js';

for (const cpus of [2, 8]) {
  describe(`safe protocols at ${cpus} CPUs`, () => {
    let machine: Machine;
    before(async () => {
      machine = await Machine.start({ cpus });
    });
    after(() => machine.close());
    for (const protocol of SAFE_PROTOCOLS) {
      for (const workload of WORKLOADS) {
        test(`${protocol} × ${workload}: no stale use, no lost write`, async () => {
          const flushes = workload === 'multi' ? 60 : 300;
          const r = await machine.run({ protocol, workload, flushes, pages: 2 });
          assert.ok(r.oracle.checkedAccesses > 0, 'the oracle saw accesses');
          assert.equal(r.oracle.staleUses, 0, JSON.stringify(r.oracle.firstViolation));
          assert.equal(r.oracle.lostWrites, 0, JSON.stringify(r.oracle.firstViolation));
          assert.equal(r.oracle.firstViolation, null);
        });
      }
    }
  });
}

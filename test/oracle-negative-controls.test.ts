/**
 * Every negative control is caught in every run where it can break its guarantee, by the rule
 * that holds on every interleaving (the ack-window rule, freed-table walks), while async-inline
 * on the same case shows nothing: the oracle blames the protocol, not the workload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CONTROL_PROTOCOLS,
  Machine,
  mustBeCaught,
  PROTOCOL_TRAITS,
  type Protocol,
  WORKLOADS,
  type Workload,
} from '../sim/index.js';
import { everyCpuInitiates, WORKLOAD_TRAITS } from '../sim/shared/workloads.js';

/** What the first violation of a known control must say (a new control needs no entry). */
const STEP: Partial<Record<Protocol, RegExp>> = {
  'async-unsafe': /acknowledged/,
  'async-ignore-freed-tables': /page table \d+/,
  'async-nmi-unchecked': /NMI handler/,
  'async-rfc-v2-as-posted': /returned without reading CPU \d+'s acknowledgement/,
};

function applicable(
  cpus: number,
): { protocol: Protocol; workload: Workload; freedTables: boolean }[] {
  const out = [];
  for (const protocol of CONTROL_PROTOCOLS) {
    for (const workload of WORKLOADS) {
      for (const freedTables of [false, true]) {
        // munmap frees tables by itself; --freed-tables is only worth a case elsewhere.
        if (WORKLOAD_TRAITS[workload].freesTables && !freedTables) continue;
        if (mustBeCaught(protocol, { workload, cpus, freedTables })) {
          out.push({ protocol, workload, freedTables });
        }
      }
    }
  }
  return out;
}

test('every control applies somewhere, and nowhere on one CPU', () => {
  for (const protocol of CONTROL_PROTOCOLS) {
    assert.ok(
      applicable(2).some((c) => c.protocol === protocol),
      protocol,
    );
  }
  assert.deepEqual(applicable(1), []);
});

for (const cpus of [2, 8]) {
  describe(`negative controls at ${cpus} CPUs`, () => {
    let machine: Machine;
    before(async () => {
      machine = await Machine.start({ cpus });
    });
    after(() => machine.close());

    for (const { protocol, workload, freedTables } of applicable(cpus)) {
      const name = `${protocol} × ${workload}${freedTables && !WORKLOAD_TRAITS[workload].freesTables ? ' --freed-tables' : ''}`;
      test(`${name} is caught`, async () => {
        const flushes = everyCpuInitiates(workload) ? 100 : 300;
        const r = await machine.run({ protocol, workload, freedTables, flushes });
        const caughtBy = PROTOCOL_TRAITS[protocol].control!.caughtBy;
        assert.ok(r.oracle[caughtBy] > 0, `${caughtBy} is 0 (${JSON.stringify(r.oracle)})`);
        const v = r.oracle.firstViolation;
        assert.ok(v, 'the first violation is reported');
        assert.ok(v.cpu >= 0 && v.cpu < cpus, `on a CPU of the machine (got ${v.cpu})`);
        assert.ok(v.entryGen < v.flushedGen, 'a generation older than the one it had to be');
        assert.match(v.step, STEP[protocol] ?? /./, 'the first violation says where it happened');
      });

      test(`${name} with async-inline instead is clean`, async () => {
        const flushes = everyCpuInitiates(workload) ? 100 : 300;
        const r = await machine.run({ protocol: 'async-inline', workload, freedTables, flushes });
        assert.equal(r.oracle.ackWindowViolations, 0, JSON.stringify(r.oracle.firstViolation));
        assert.equal(r.oracle.freedTableWalks, 0, JSON.stringify(r.oracle.firstViolation));
        assert.equal(r.oracle.staleUses + r.oracle.lostWrites, 0);
      });
    }
  });
}

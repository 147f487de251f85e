import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Machine, PROTOCOLS } from '../sim/index.js';
import { tempDb } from './helpers.js';

const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

const CASES: [string[], RegExp][] = [
  [['sim', '--cpus', '0'], /--cpus must be an integer from 1 to 256 \(got 0\)/],
  [['sim', '--cpus', 'four'], /--cpus must be an integer from 1 to 256 \(got "four"\)/],
  [['sim', '--cpus', '300'], /--cpus must be an integer from 1 to 256 \(got 300\)/],
  [
    ['sim', '--cpus', '100'],
    /--cpus must be at most 96, the hardware threads of profile xeon-gold-5418y-2s \(got 100\)/,
  ],
  [
    ['sim', '--protocol', 'fast'],
    new RegExp(`--protocol must be one of ${PROTOCOLS.join(', ')} \\(got "fast"\\)`),
  ],
  [['sim', '--workload', 'nap'], /--workload must be one of .* \(got "nap"\)/],
  [['sim', '--pages', '1.5'], /--pages must be an integer from 1 to 4096 \(got 1\.5\)/],
  [['sim', '--tlb-sets', '48'], /--tlb-sets must be a power of two from 1 to 4096 \(got 48\)/],
  [
    ['sim', '--profile', 'nehalem'],
    /--profile must be one of .* or a path to a JSON file \(got "nehalem"\)/,
  ],
  [['sim', '--bogus'], /Unknown option '--bogus'/],
  [['warp'], /unknown command "warp"/],
  [
    ['sim', '--fault', 'cpu1'],
    /--fault must look like <cpu>:<hang\|throw\|exit>\[:<csds>\] \(got "cpu1"\)/,
  ],
  [
    ['sim', '--fault', '0:hang'],
    /--fault CPU must be an integer from 1 to 255: CPU 0 starts the flushes \(got 0\)/,
  ],
  [['sim', '--fault', '1:melt'], /--fault kind must be one of hang, throw, exit \(got "melt"\)/],
  [['calibrate', '--rounds', '5'], /--rounds must be an integer from 100 to 10000000 \(got 5\)/],
];

for (const [args, message] of CASES) {
  test(`flushbench ${args.join(' ')} → exit 2 naming the option and the value`, () => {
    const r = cli(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing is printed on stdout');
  });
}

test('a profile cost of 1e308: sim and bench exit 2 naming the cost and the value, nothing runs or is stored', () => {
  const src = fileURLToPath(new URL('../../sim/profiles/xeon-gold-5418y-2s.json', import.meta.url));
  const profile = JSON.parse(readFileSync(src, 'utf8'));
  const shipped = profile.costs.ipiSend.value;
  profile.costs.ipiSend.value = 1e308;
  const db = tempDb();
  const file = join(dirname(db), 'huge-ipi.json');
  writeFileSync(file, JSON.stringify(profile));
  const message = `profile ${file}: costs.ipiSend.value must be a positive number of at most 10000000 cycles (got 1e+308)`;
  const sim = cli('sim', '--profile', file, '--flushes', '20');
  assert.equal(sim.status, 2, sim.stderr);
  assert.ok(sim.stderr.includes(message), sim.stderr);
  assert.equal(sim.stdout, '', 'no case ran');
  const bench = cli('bench', '--profile', file, '--db', db, '--suite', 'smoke', '--time', '1');
  assert.equal(bench.status, 2, bench.stderr);
  assert.ok(bench.stderr.includes(message), bench.stderr);
  assert.equal(existsSync(db), false, 'no database is created');
  // The control: the same file with the shipped cost runs.
  profile.costs.ipiSend.value = shipped;
  writeFileSync(file, JSON.stringify(profile));
  const ok = cli('sim', '--profile', file, '--flushes', '20');
  assert.equal(ok.status, 0, ok.stderr);
});

let machine: Machine;
before(async () => {
  machine = await Machine.start({ cpus: 2 });
});
after(() => machine.close());

test('the API refuses bad options with TypeError or RangeError and a stable code, and runs nothing', async () => {
  await assert.rejects(
    Machine.start({ cpus: 0 }),
    (e: Error & { code?: string }) =>
      e instanceof RangeError && e.code === 'FLUSHBENCH_ERR_INVALID_OPTION',
  );
  await assert.rejects(machine.run({ flushes: -1 }), RangeError);
  await assert.rejects(machine.run({ seed: 'x' as unknown as number }), TypeError);
  await assert.rejects(
    machine.run({ pages: 4096, sharedPages: 65536 }),
    /--pages × initiators \+ --shared-pages must fit the machine's 65536 virtual pages \(got 1 × 4096 \+ 65536 = 69632\)/,
  );
  await assert.rejects(machine.run({ warpFactor: 9 } as never), /unknown case option "warpFactor"/);
  // The machine is still ready.
  const r = await machine.run({ flushes: 20 });
  assert.equal(r.latencyNs.count, 20);
});

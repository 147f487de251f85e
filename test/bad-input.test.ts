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
  [['sim', '--cpus', '0'], /--cpus must be an integer from 1 to 1024 \(got 0\)/],
  [['sim', '--cpus', 'four'], /--cpus must be an integer from 1 to 1024 \(got "four"\)/],
  [['sim', '--cpus', '2000'], /--cpus must be an integer from 1 to 1024 \(got 2000\)/],
  [
    ['sim', '--engine', 'threads', '--cpus', '300'],
    /--cpus must be an integer from 1 to 256 with --engine threads, one worker thread per CPU; --engine cooperative runs up to 1024 \(got 300\)/,
  ],
  [
    ['sim', '--engine', 'cooperative', '--cpus', '800', '--profile', 'epyc-7r13-2s'],
    /--cpus must be at most 192, the hardware threads of profile epyc-7r13-2s \(got 800\)/,
  ],
  [
    ['sim', '--engine', 'fibers'],
    /--engine must be one of auto, threads, cooperative \(got "fibers"\)/,
  ],
  [
    ['sim', '--engine', 'threads', '--schedule-seed', '7'],
    /--schedule-seed needs --engine cooperative: the threads engine's interleaving is the OS scheduler's, no seed replays it \(got --schedule-seed 7 with 2 CPUs on the threads engine\)/,
  ],
  [
    ['sim', '--cpus', '1', '--schedule-seed', '7'],
    /--schedule-seed needs --engine cooperative: .*\(got --schedule-seed 7 with 1 CPU on the threads engine\)/,
  ],
  [
    ['sim', '--engine', 'threads', '--cpus', '4', '--workers', '2'],
    /--workers has no effect with the threads engine, which runs one worker per CPU; it sizes --engine cooperative \(got --workers 2\)/,
  ],
  [
    ['sim', '--engine', 'cooperative', '--warmup-ms', '100'],
    /--warmup-ms has no effect with the cooperative engine: its warm-up is counted in flushes \(--warmup-flushes\), never timed, so that a schedule replays \(got --warmup-ms 100\)/,
  ],
  [
    ['sim', '--engine', 'cooperative', '--wait-mode', 'spin'],
    /--wait-mode has no effect with the cooperative engine, which switches CPUs instead of spinning or parking \(got --wait-mode "spin"\)/,
  ],
  [
    ['sim', '--engine', 'cooperative', '--cpus', '4', '--workers', '5'],
    /--workers must be auto or an integer from 1 to 4 \(got 5\)/,
  ],
  [
    ['explore', '--protocol', 'async-unsafe', '--cpus', '4', '--schedules', '0'],
    /--schedules must be an integer from 1 to 1000000 \(got "0"\)/,
  ],
  [['explore', '--protocol', 'async-unsafe', '--cpus', '4'], /--schedules is required/],
  [
    ['explore', '--protocol', 'sync', '--cpus', '100', '--schedules', '5'],
    /--cpus must be at most 96, the hardware threads of profile xeon-gold-5418y-2s \(got 100\)/,
  ],
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
    /--fault CPU must be an integer from 1 to 1023: CPU 0 starts the flushes \(got 0\)/,
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
  // A file may not take a built-in's name (its runs would be compared with the built-in's).
  profile.name = 'huge-ipi';
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

/**
 * `--fault` is refused, with the reason, where it cannot fire — a fault fires when its CPU
 * handles its n-th csd, and broadcast, lazy idle CPUs, a missing CPU or too few flushes mean no
 * n-th csd — and it fires where the same rule says it can (the negative controls). Every message
 * names only flags the command line has, and never quotes a flag the user did not give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveCaseOptions, resolveMachineOptions } from '../sim/index.js';
import { realFlags, runMain, unknownFlags } from './cli-in-process.js';
import { tempDb } from './helpers.js';

const QUICK = ['--flushes', '10', '--warmup-flushes', '8', '--csd-lock-timeout-ms', '100'];

const REFUSED: [string, string[], RegExp][] = [
  [
    'broadcast sends no csds',
    // 4 CPUs: below, Linux gives the mm no global ASID and broadcast flushes by IPI.
    ['sim', '--cpus', '4', '--fault', '2:hang', '--protocol', 'broadcast'],
    /--fault 2:hang cannot fire: protocol broadcast sends CPU 2 no csds \(the initiator invalidates every TLB itself; only workload crosscall adds cross-calls\)/,
  ],
  [
    'lazy idle CPUs take no csds',
    ['sim', '--fault', '1:hang', '--workload', 'idle'],
    /--fault 1:hang cannot fire: workload idle leaves CPU 1 in lazy TLB mode, which flushes skip unless they free page tables, so it takes no csds/,
  ],
  [
    'more csds than the case delivers',
    ['sim', '--fault', '1:hang:1000000000'],
    /--fault 1:hang:1000000000 cannot fire: CPU 1 takes at most 6000 csds in this case \(1 per flush, at most 6000 flushes: 5000 warm-up and 1000 measured\), fewer than the 1000000000 it waits for/,
  ],
  [
    'a CPU the machine lacks',
    ['sim', '--fault', '2:throw'],
    /--fault 2:throw cannot fire: CPU 2 exists only with --cpus 3 or more \(the machine has 2 CPUs\)/,
  ],
  [
    'a CPU no case of the bench has',
    ['bench', '--fault', '9:hang', '--cpus', '2', '--protocols', 'sync,concurrent'],
    /--fault 9:hang must be able to fire in at least one case of the bench, and cannot: CPU 9 exists only with --cpus 10 or more \(the bench's CPU counts are 2\)/,
  ],
  [
    'CPU 0, in a bench without --cpus',
    ['bench', '--fault', '0:hang', '--protocols', 'sync'],
    /--fault CPU must be an integer from 1 to 1023: CPU 0 starts the flushes \(got 0\)/,
  ],
  [
    'a bench where no case lets it fire, for different reasons',
    ['bench', '--fault', '1:hang', '--cpus', '1,4', '--protocols', 'broadcast'],
    /--fault 1:hang must be able to fire in at least one case of the bench, and cannot: CPU 1 exists only with --cpus 2 or more \(the bench's CPU counts are 1, 4\); protocol broadcast sends CPU 1 no csds/,
  ],
  [
    'an unknown kind',
    ['bench', '--fault', '1:melt', '--protocols', 'sync'],
    /--fault kind must be one of hang, throw, exit \(got "melt"\)/,
  ],
];

for (const [why, args, message] of REFUSED) {
  test(`--fault is refused (exit 2) where it cannot fire: ${why}`, async () => {
    const flags = await realFlags();
    const r = await runMain(args[0] === 'bench' ? [...args, '--db', tempDb()] : args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.deepEqual(unknownFlags(r.stderr, flags), [], 'only real flags are named');
    assert.doesNotMatch(r.stderr, /--fault-(cpu|kind)|got --cpus/);
    assert.equal(r.stdout, '');
  });
}

test('the API refuses the same fault with the same message', () => {
  const machine = resolveMachineOptions({ cpus: 2 });
  assert.throws(
    () =>
      resolveCaseOptions(
        { workload: 'idle', fault: { cpu: 1, kind: 'hang', afterCsds: 1 } },
        machine,
      ),
    (e: Error & { code?: string }) =>
      e instanceof RangeError &&
      e.code === 'FLUSHBENCH_ERR_INVALID_OPTION' &&
      /--fault 1:hang cannot fire: workload idle leaves CPU 1 in lazy TLB mode/.test(e.message),
  );
});

// The controls: where the rule says a fault can fire, it does, and the run fails naming the CPU.
const FIRES: [string, string[], RegExp][] = [
  [
    'broadcast with the cross-calls of workload crosscall',
    [
      'sim',
      '--cpus',
      '4',
      '--fault',
      '2:hang',
      '--protocol',
      'broadcast',
      '--workload',
      'crosscall',
    ],
    /CPU 2 is stuck: CPU 0 waited 100 ms for it to unlock csd \d+ \(CPU 0 → CPU 2, cross-call/,
  ],
  [
    'idle CPUs when the flush frees page tables',
    ['sim', '--fault', '1:throw', '--workload', 'idle', '--freed-tables'],
    /CPU 1 crashed: injected fault: CPU 1 threw in its IPI handler/,
  ],
  [
    "at the case's last csd (8 warm-up flushes, the least that always run, and 10 measured)",
    ['sim', '--fault', '1:throw:18'],
    /CPU 1 crashed: injected fault/,
  ],
];

for (const [where, args, message] of FIRES) {
  test(`--fault fires where it can: ${where}`, async () => {
    const r = await runMain([...args, ...QUICK]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, message);
  });
}

test('one csd past the last is refused', async () => {
  const r = await runMain(['sim', '--fault', '1:throw:19', ...QUICK]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /CPU 1 takes at most 18 csds in this case/);
});

test('a bench injects the fault where it can fire and runs the other cases as usual', async () => {
  const cases = ['--cpus', '4', '--pages', '1', '--protocols', 'broadcast,sync'];
  const budget = ['--time', '1', '--iterations', '20', '--db', tempDb(), '--json'];
  const r = await runMain(['bench', ...cases, ...budget, '--fault', '1:throw']);
  assert.equal(r.code, 1, r.stderr);
  const run = JSON.parse(r.stdout);
  const status = Object.fromEntries(
    run.cases.map((c: { protocol: string; status: string }) => [c.protocol, c.status]),
  );
  assert.deepEqual(status, { broadcast: 'completed', sync: 'errored' });
});

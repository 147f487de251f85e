/**
 * `flushbench explore` finds each negative control within 100 schedules at 4 CPUs, prints the
 * seed, the violation, the steps that led to it and a sim command that replays it — which does
 * find the same first violation — and finds nothing for a safe protocol (exit 0).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONTROL_PROTOCOLS, mustBeCaught, WORKLOADS } from '../sim/index.js';

const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

for (const protocol of CONTROL_PROTOCOLS) {
  const workload = WORKLOADS.find((w) =>
    mustBeCaught(protocol, { workload: w, cpus: 4, freedTables: w === 'munmap' }),
  )!;
  test(`explore finds ${protocol} (${workload}) within 100 schedules, and its replay reproduces it`, () => {
    const args = ['explore', '--protocol', protocol, '--workload', workload, '--cpus', '4'];
    const r = cli([...args, '--schedules', '100', '--json']);
    assert.equal(r.status, 1, r.stderr);
    const found = JSON.parse(r.stdout);
    assert.equal(found.found, true);
    assert.ok(found.seed >= 1 && found.seed <= 100);
    assert.ok(found.interleaving.length > 0, 'the steps that led to it');
    assert.match(found.interleaving.at(-1), /^step \d+: CPU \d+/);
    assert.match(
      found.replay,
      new RegExp(
        `^flushbench sim --engine cooperative --schedule-seed ${found.seed} --protocol ${protocol} --workload ${workload} --cpus 4 `,
      ),
    );
    // The replay, as printed, finds the same first violation.
    const replay = cli([...found.replay.split(' ').slice(1), '--json']);
    assert.equal(replay.status, 0, replay.stderr);
    const again = JSON.parse(replay.stdout);
    assert.deepEqual(again.oracle.firstViolation, found.firstViolation);
    assert.deepEqual(again.schedule.firstViolationSteps, found.interleaving);

    const text = cli([...args, '--schedules', '100']);
    assert.equal(text.status, 1);
    assert.match(text.stdout, new RegExp(`schedule seed ${found.seed} broke the oracle`));
    assert.match(text.stdout, /first violation: /);
    assert.match(text.stdout, /replay: flushbench sim --engine cooperative/);
  });
}

test('explore finds nothing for a safe protocol: exit 0, with the bound on what it could miss', () => {
  const r = cli([
    'explore',
    '--protocol',
    'async-inline',
    '--cpus',
    '4',
    '--schedules',
    '5',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const none = JSON.parse(r.stdout);
  assert.equal(none.found, false);
  assert.equal(none.schedules, 5);
  assert.ok(none.missBound > 0 && none.missBound < 1);
});

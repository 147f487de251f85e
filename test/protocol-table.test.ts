/**
 * A protocol is one row of sim/shared/protocols.ts: every list of protocols anywhere is built
 * from the table, so a protocol made of existing traits needs that row and nothing else (and a
 * line in the README's table). test/add-protocol.test.ts adds one for real.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expandCases, SUITES } from '../bench/suites.js';
import { CONTROL_PROTOCOLS, PROTOCOL_TRAITS, PROTOCOLS, SAFE_PROTOCOLS } from '../sim/index.js';
import { PROTOCOLS as OPTION_PROTOCOLS } from '../sim/shared/options.js';

const CLI = fileURLToPath(new URL('../../bin/flushbench.js', import.meta.url));

test('the protocol lists are the table: every row, in order, split by whether it is a control', () => {
  const rows = Object.keys(PROTOCOL_TRAITS);
  assert.deepEqual([...PROTOCOLS], rows);
  assert.deepEqual([...OPTION_PROTOCOLS], rows, 'what --protocol accepts');
  assert.deepEqual(
    [...SAFE_PROTOCOLS],
    rows.filter((p) => PROTOCOL_TRAITS[p as keyof typeof PROTOCOL_TRAITS].control === null),
  );
  assert.deepEqual(
    [...CONTROL_PROTOCOLS],
    rows.filter((p) => PROTOCOL_TRAITS[p as keyof typeof PROTOCOL_TRAITS].control !== null),
  );
});

test('the default suite runs every safe protocol and catches every control', () => {
  const cases = expandCases(SUITES.default);
  for (const p of SAFE_PROTOCOLS)
    assert.ok(
      cases.some((c) => c.protocol === p),
      p,
    );
  for (const p of CONTROL_PROTOCOLS) {
    assert.ok(cases.filter((c) => c.protocol === p).length >= 2, `${p} at two CPU counts`);
  }
});

test('the CLI offers every protocol', () => {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
  assert.match(help, new RegExp(PROTOCOLS.join(' \\| ')));
});

test('the dashboard draws a protocol it has never heard of, in a colour of its own, after the known ones', async () => {
  const palette = await import(new URL('../web/palette.js', import.meta.url).href);
  const protocols = await import(new URL('../web/protocols.js', import.meta.url).href);
  const color = palette.protocolColor('async-new-idea');
  assert.match(color, /^#[0-9a-f]{6}$/);
  assert.equal(palette.protocolColor('async-new-idea'), color, 'stable per name');
  // The order is the server's table (GET /api/protocols); a name it lacks goes last.
  assert.deepEqual(['async-new-idea', 'async-unsafe', 'sync'].sort(protocols.orderOf(PROTOCOLS)), [
    'sync',
    'async-unsafe',
    'async-new-idea',
  ]);
});

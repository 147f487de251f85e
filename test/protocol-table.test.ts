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
import {
  BASELINE_PROTOCOL,
  CONTROL_PROTOCOLS,
  HEADLINE_PROTOCOL,
  linuxProtocolOf,
  mustBeCaught,
  oracleVerdict,
  PROTOCOL_TRAITS,
  PROTOCOLS,
  SAFE_PROTOCOLS,
  VERDICT_PROTOCOLS,
  WORKLOADS,
  type Workload,
} from '../sim/index.js';
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

test('every row has a role and a colour of its own: one baseline, one headline, controls as such', () => {
  const rows = PROTOCOLS.map((p) => ({ name: p, ...PROTOCOL_TRAITS[p] }));
  const colors = rows.map((r) => r.color);
  for (const c of colors) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(new Set(colors).size, colors.length, `colours: ${colors.join(' ')}`);
  assert.deepEqual(
    rows.filter((r) => r.role === 'baseline').map((r) => r.name),
    [BASELINE_PROTOCOL],
  );
  assert.deepEqual(
    rows.filter((r) => r.role === 'headline').map((r) => r.name),
    [HEADLINE_PROTOCOL],
  );
  for (const r of rows) assert.equal(r.role === 'control', r.control !== null, r.name);
  // The verdict: the headline first, then the candidates, in the table's order.
  assert.deepEqual(VERDICT_PROTOCOLS, [
    HEADLINE_PROTOCOL,
    ...rows.filter((r) => r.role === 'candidate').map((r) => r.name),
  ]);
});

test('a Linux version is one row: the rows’ ranges cover every version once', () => {
  for (let v = 0; v < 8000; v++) {
    const rows = PROTOCOLS.filter((p) => {
      const l = PROTOCOL_TRAITS[p].linux;
      return l !== null && v >= l.from && (l.until === null || v < l.until);
    });
    assert.equal(rows.length, 1, `version ${v}: ${rows.join(', ')}`);
    assert.equal(linuxProtocolOf(v), rows[0]);
  }
});

test('the dashboard orders by the server’s table and draws a name it lacks last, in grey', async () => {
  const protocols = await import(new URL('../web/protocols.js', import.meta.url).href);
  assert.equal(protocols.protocolColor('async-new-idea'), '#8a94a6');
  // The order is the server's table (GET /api/protocols); a name it lacks goes last.
  assert.deepEqual(['async-new-idea', 'async-unsafe', 'sync'].sort(protocols.orderOf(PROTOCOLS)), [
    'sync',
    'async-unsafe',
    'async-new-idea',
  ]);
});

test("a control's violations are its being caught; a run must catch it only where every run does", () => {
  for (const protocol of CONTROL_PROTOCOLS) {
    for (const workload of WORKLOADS) {
      for (const freedTables of [false, true]) {
        const c = { workload, cpus: 2, freedTables };
        assert.equal(oracleVerdict(protocol, c, 1), 'caught', `${protocol} × ${workload}`);
        const none = mustBeCaught(protocol, c) ? 'not-caught' : 'clean';
        assert.equal(oracleVerdict(protocol, c, 0), none, `${protocol} × ${workload}`);
      }
    }
  }
  for (const protocol of SAFE_PROTOCOLS) {
    const c = { workload: 'madvise' as const, cpus: 2, freedTables: true };
    assert.equal(oracleVerdict(protocol, c, 1), 'violated', protocol);
    assert.equal(oracleVerdict(protocol, c, 0), 'clean', protocol);
  }
  // A freed-table walk needs the target's paging-structure cache to hold the initiator's table
  // when it acknowledges: every run finds that with one initiator, not where every CPU initiates
  // and empties its own cache at each of its flushes.
  const freed = (workload: Workload) => ({ workload, cpus: 2, freedTables: true });
  assert.equal(mustBeCaught('async-ignore-freed-tables', freed('madvise')), true);
  assert.equal(mustBeCaught('async-ignore-freed-tables', freed('tlb_flush1')), false);
});

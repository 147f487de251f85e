/**
 * Adding a protocol made of existing traits is one row of sim/shared/protocols.ts (and its line
 * in the README): this test does it for real. It copies the sources, adds one row — a negative
 * control that defers its flush for 64 user accesses — builds, and checks that everything that
 * lists protocols follows: the CLI's --protocol, the suites, the simulation and its cost model,
 * the oracle's verdict in the bench, and the server's protocol table (which the dashboard reads);
 * and both engines run it — the CPU code is written once, with no branch on the protocol's name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NEW = 'async-unsafe-late';
const ROW = `  '${NEW}': {
    ...ASYNC_INLINE,
    userAccessesBeforeFlush: 64,
    control: {
      breaks: 'the flush must happen before the target runs user code again',
      caughtBy: 'ackWindowViolations',
      appliesTo: (c) => c.cpus >= 2 && !c.freedTables && USER_WORKLOADS.includes(c.workload),
    },
    summary: 'negative control: acknowledges, then runs 64 user accesses before it flushes',
  },
`;
const TABLE_END = '} satisfies Record<string, ProtocolTraits>);';

let dir = '';

function run(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: opts.cwd ?? dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flushbench-add-protocol-'));
  for (const d of ['bin', 'common', 'sim', 'host', 'data', 'bench', 'server', 'cli']) {
    cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  }
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  tsconfig.include = tsconfig.include.filter((p: string) => !p.startsWith('test/'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

  // The one edit: a row at the end of the table.
  const file = join(dir, 'sim/shared/protocols.ts');
  const source = readFileSync(file, 'utf8');
  assert.equal(source.split(TABLE_END).length, 2, 'the table ends once');
  writeFileSync(file, source.replace(TABLE_END, `${ROW}${TABLE_END}`));

  run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-b']);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the lists, the suites and the server follow the new row', async () => {
  const lists = JSON.parse(
    run([
      '--input-type=module',
      '-e',
      `import { PROTOCOLS, CONTROL_PROTOCOLS, SAFE_PROTOCOLS } from './dist/sim/index.js';
       import { expandCases, SUITES } from './dist/bench/suites.js';
       import { buildApp } from './dist/server/app.js';
       const app = await buildApp({ dbFile: ':memory:', token: 'uploads-on' });
       const api = (await app.inject('/api/protocols')).json();
       await app.close();
       console.log(JSON.stringify({
         protocols: PROTOCOLS, controls: CONTROL_PROTOCOLS, safe: SAFE_PROTOCOLS,
         defaultSuite: [...new Set(expandCases(SUITES.default).map((c) => c.protocol))],
         api: api.protocols,
       }));`,
    ]),
  );
  assert.equal(lists.protocols.at(-1), NEW);
  assert.ok(lists.controls.includes(NEW));
  assert.ok(!lists.safe.includes(NEW));
  assert.ok(lists.defaultSuite.includes(NEW), 'the default suite runs every control');
  const served = lists.api.find((p: { name: string }) => p.name === NEW);
  assert.deepEqual(served.control, {
    breaks: 'the flush must happen before the target runs user code again',
    caughtBy: 'ackWindowViolations',
  });
  assert.deepEqual(
    lists.api.map((p: { name: string }) => p.name),
    lists.protocols,
  );
  const help = run(['bin/flushbench.js', '--help']);
  assert.ok(help.includes(`| ${NEW} (default sync)`), 'the CLI offers it');
});

test('the simulation runs it and the bench catches it, as a negative control', () => {
  const sim = JSON.parse(
    run([
      'bin/flushbench.js',
      'sim',
      '--protocol',
      NEW,
      '--cpus',
      '2',
      '--flushes',
      '200',
      '--json',
    ]),
  );
  assert.ok(sim.modeledCycles.mean > 0);
  assert.ok(sim.oracle.ackWindowViolations > 0, 'the deferred flush is caught');
  const record = JSON.parse(
    run([
      'bin/flushbench.js',
      'bench',
      '--suite',
      'smoke',
      '--protocols',
      NEW,
      '--cpus',
      '2',
      '--json',
      '--db',
      join(dir, 'runs.db'),
    ]),
  );
  assert.equal(record.cases.length, 1);
  const [c] = record.cases;
  assert.equal(c.status, 'completed', 'a caught control is a completed case');
  assert.ok(c.oracle.ackWindowViolations > 0);
});

test('both engines run it from the one row: the same modeled cycles, caught on each, and explore finds it', () => {
  const json = (engine: string) =>
    JSON.parse(
      run([
        'bin/flushbench.js',
        'sim',
        '--protocol',
        NEW,
        '--engine',
        engine,
        '--cpus',
        '4',
        '--flushes',
        '100',
        '--warmup-flushes',
        '8',
        '--json',
      ]),
    );
  const threads = json('threads');
  const cooperative = json('cooperative');
  assert.equal(threads.engine, 'threads');
  assert.equal(cooperative.engine, 'cooperative');
  assert.deepEqual(cooperative.modeledCycles, threads.modeledCycles);
  assert.equal(cooperative.modeledIterationCycles.mean, threads.modeledIterationCycles.mean);
  assert.ok(threads.oracle.ackWindowViolations > 0, 'caught on the threads engine');
  assert.ok(cooperative.oracle.ackWindowViolations > 0, 'caught on the cooperative engine');
  const explore = spawnSync(
    process.execPath,
    ['bin/flushbench.js', 'explore', '--protocol', NEW, '--cpus', '4', '--schedules', '100'],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(explore.status, 1, explore.stderr);
  assert.match(explore.stdout, /replay: flushbench sim --engine cooperative --schedule-seed \d+/);
});

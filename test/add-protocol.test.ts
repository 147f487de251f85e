/**
 * Adding a protocol made of existing traits is one row of sim/shared/protocols.ts (and its line
 * in the README): this test does it for real. It copies the sources and the dashboard, adds two
 * rows — a negative control that defers its flush for 64 user accesses, and a candidate (the
 * concurrent flush with its info inlined in the csd) — builds, and checks that everything that
 * lists protocols follows: the CLI's --protocol, the suites, the simulation and its cost model,
 * the oracle's verdict in the bench, the server's protocol table, and the dashboard, which gives
 * the candidate a speedup bar, a place in the verdict and its row's colour; and both engines run
 * the control — the CPU code is written once, with no branch on the protocol's name.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chartOf, launchChromium, listen, waitReady } from './browser-page.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NEW = 'async-unsafe-late';
const ROW = `  '${NEW}': {
    ...ASYNC_INLINE,
    userAccessesBeforeFlush: 64,
    role: 'control',
    color: '#1b9aaa',
    control: {
      breaks: 'the flush must happen before the target runs user code again',
      caughtBy: 'ackWindowViolations',
      appliesTo: (c) => c.cpus >= 2 && !c.freedTables && WORKLOAD_TRAITS[c.workload].userCode,
    },
    summary: 'negative control: acknowledges, then runs 64 user accesses before it flushes',
  },
`;
/** A candidate: what a verdict weighs against the baseline, so the overview draws its speedup. */
const CANDIDATE = 'concurrent-inline';
const CANDIDATE_COLOR = '#0f7f94';
const CANDIDATE_ROW = `  '${CANDIDATE}': {
    ...SYNC,
    localFlushFirst: false,
    infoInline: true,
    role: 'candidate',
    color: '${CANDIDATE_COLOR}',
    linux: null,
    summary: 'concurrent, with the flush info inlined in the csd',
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

/** `bench --suite smoke` of these protocols at these CPU counts, stored in `db`. */
function smoke(protocols: string, cpus: string, db: string, more: string[] = []): string {
  const args = ['--suite', 'smoke', '--protocols', protocols, '--cpus', cpus, '--db', db];
  return run(['bin/flushbench.js', 'bench', ...args, ...more]);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flushbench-add-protocol-'));
  for (const d of ['bin', 'common', 'sim', 'host', 'data', 'bench', 'server', 'cli', 'web']) {
    cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  }
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  tsconfig.include = tsconfig.include.filter((p: string) => !p.startsWith('test/'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

  // The one edit: two rows at the end of the table.
  const file = join(dir, 'sim/shared/protocols.ts');
  const source = readFileSync(file, 'utf8');
  assert.equal(source.split(TABLE_END).length, 2, 'the table ends once');
  writeFileSync(file, source.replace(TABLE_END, `${CANDIDATE_ROW}${ROW}${TABLE_END}`));

  run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-b']);
  run([join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'web']);
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
  const record = JSON.parse(smoke(NEW, '2', join(dir, 'runs.db'), ['--json']));
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

test('the dashboard gives the candidate a speedup bar, a place in the verdict and its own colour', {
  timeout: 120_000,
}, async () => {
  const db = join(dir, 'dashboard.db');
  smoke(`sync,${CANDIDATE}`, '1,2', db);
  const { buildApp } = await import(pathToFileURL(join(dir, 'dist/server/app.js')).href);
  const app = await buildApp({ dbFile: db, logger: false });
  const browser = await launchChromium();
  try {
    const base = await listen(app);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/#/overview?metric=modeled`);
    await waitReady(page, 'overview');
    const speedup = await chartOf(page, 'chart-overview-speedup');
    const bars = speedup.datasets.find((d) => d.label === CANDIDATE);
    assert.ok(bars, `a speedup series (got ${speedup.datasets.map((d) => d.label).join(', ')})`);
    assert.equal(bars.data.length, 2);
    assert.ok(
      bars.data.every((v) => typeof v === 'number' && v > 0),
      `a bar at each CPU count (${bars.data})`,
    );
    // Its row's colour, and no other series'.
    const rgba = (hex: string) => {
      const n = Number.parseInt(hex.slice(1), 16);
      return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.85)`;
    };
    assert.deepEqual(bars.backgroundColor, [rgba(CANDIDATE_COLOR), rgba(CANDIDATE_COLOR)]);
    for (const other of speedup.datasets.filter((d) => d !== bars)) {
      assert.ok(!JSON.stringify(other.backgroundColor ?? null).includes(rgba(CANDIDATE_COLOR)));
    }
    // In the verdict at every CPU count, beside the baseline's own line.
    for (const cpus of [1, 2]) {
      const part = page.locator(
        `#overview-verdict li[data-cpus="${cpus}"] .verdict-part[data-protocol="${CANDIDATE}"]`,
      );
      assert.equal(await part.count(), 1, `the verdict at ${cpus} CPUs`);
      assert.match((await part.textContent()) ?? '', new RegExp(`^${CANDIDATE} [−+]\\d`));
    }
  } finally {
    await browser.close();
    await app.close();
  }
});

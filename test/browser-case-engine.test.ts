/**
 * The Case view says how each case was run: its engine and worker threads and, on the cooperative
 * engine, the schedule's seed, PCT depth, steps and the command that replays it — as the API has
 * them; a case on the threads engine has no schedule.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StoredRun } from '../data/stored.js';
import { buildApp } from '../server/app.js';
import { launchChromium, listen, show, waitReady } from './browser-page.js';
import { seedScaleRun } from './fixtures/seed-cooperative.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
let run: StoredRun;

before(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-case-engine-')), 'runs.db');
  const id = seedScaleRun(file);
  app = await buildApp({ dbFile: file, logger: false });
  base = await listen(app);
  run = (await (await fetch(`${base}/api/runs/${id}`)).json()) as StoredRun;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('each case shows its engine, workers and, on the cooperative engine, its schedule', {
  timeout: 60_000,
}, async () => {
  await page.goto(`${base}/#/overview?run=${run.id}`);
  await waitReady(page, 'overview');
  const engines = new Set<string>();
  for (const cpus of [4, 768]) {
    await show(page, `#/case?run=${run.id}&cpus=${cpus}&pages=1&workload=madvise`, 'case');
    const cases = run.cases.filter((c) => c.cpus === cpus && c.pages === 1);
    const rows = page.locator('#case-engine-table tbody tr');
    assert.equal(await rows.count(), cases.length);
    for (const c of cases) {
      const row = page.locator(`#case-engine-table tr[data-protocol="${c.protocol}"]`);
      const [protocol, engine, workers, seed, depth, steps, replay] = await row
        .locator('td')
        .allTextContents();
      engines.add(engine);
      assert.equal(protocol, c.protocol);
      assert.equal(engine, c.engine, `${c.key}: engine`);
      assert.equal(workers, String(c.workers), `${c.key}: workers`);
      const s = c.schedule ?? null;
      assert.equal(seed, s ? String(s.seed) : '–', `${c.key}: seed`);
      assert.equal(depth, s ? String(s.depth) : '–', `${c.key}: depth`);
      assert.equal(steps, s ? s.steps.toLocaleString('en-US') : '–', `${c.key}: steps`);
      assert.equal(replay, s ? s.replay : '–', `${c.key}: replay`);
    }
  }
  assert.deepEqual([...engines].sort(), ['cooperative', 'threads']);
});

/**
 * History in the browser: by default the default branch and the latest run's host, one point
 * per commit, and the branch selector redraws with that branch's commits only.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { chartOf, launchChromium, listen, waitReady } from './browser-page.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

function runOf(sha: string, day: number, branch: string, host: string): RunRecord {
  const time = `2026-03-${String(day).padStart(2, '0')}T10:00:00Z`;
  return syntheticRun({
    commit: { sha: sha.repeat(40).slice(0, 40), branch, dirty: false, subject: sha, time },
    startedAt: time,
    host: { hostname: host, cpuModel: 'cpu', cores: 2, os: 'Linux', nodeVersion: 'v20' },
    cases: [syntheticCase({ protocol: 'sync' })],
  });
}

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  const file = tempDb();
  const store = Store.open(file);
  store.insertRun(runOf('a', 1, 'main', 'ci-1'));
  store.insertRun(runOf('a', 1, 'main', 'ci-1')); // the same commit again: still one point
  store.insertRun(runOf('b', 2, 'feature', 'ci-1'));
  store.insertRun(runOf('c', 3, 'main', 'laptop'));
  store.insertRun(runOf('d', 4, 'main', 'ci-1'));
  store.close();
  app = await buildApp({ dbFile: file, logger: false });
  base = await listen(app);
  browser = await launchChromium();
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('history filters by branch and host, one point per commit', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/#/history`);
  await waitReady(page, 'history');
  assert.equal(await page.inputValue('#history-branch'), 'main');
  assert.equal(await page.inputValue('#history-host'), 'ci-1', 'the latest run’s host');
  const points = async () =>
    ((await chartOf(page, 'chart-history')).datasets[0].data as unknown[]).length;
  assert.equal(await points(), 2, 'a (two runs) and d: main on ci-1');
  assert.deepEqual(
    await page.locator('#history-table tbody tr td:nth-child(7)').allTextContents(),
    ['1', '2'],
    'runs per point, newest first',
  );
  await page.selectOption('#history-branch', 'feature');
  await waitReady(page, 'history');
  assert.equal(await points(), 1);
  assert.match(page.url(), /branch=feature/);
});

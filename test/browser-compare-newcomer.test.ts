/**
 * The Compare view on a newcomer's first runs (issue 21): with one run stored it says there is
 * nothing to compare yet, not a red error banner; after a second run of the same commit it
 * compares the two and says they share a commit, so what differs is noise.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { launchChromium, listen, waitReady } from './browser-page.js';
import { syntheticRun, tempDb } from './helpers.js';

const file = tempDb();
let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
const errors: string[] = [];

before(async () => {
  const store = Store.open(file);
  store.insertRun(syntheticRun({ uuid: 'the-first' }));
  store.close();
  app = await buildApp({ dbFile: file });
  base = await listen(app);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('one run: nothing to compare yet, no error; two of one commit: they share a commit', {
  timeout: 60_000,
}, async () => {
  await page.goto(`${base}/#/compare`);
  await waitReady(page, 'compare');
  assert.match((await page.textContent('#compare-nothing-yet')) ?? '', /Nothing to compare yet/);
  assert.equal(await page.locator('#error-banner').isVisible(), false, 'no error banner');
  assert.deepEqual(errors, [], 'nothing on the console');

  const store = Store.open(file);
  store.insertRun(syntheticRun({ uuid: 'the-second', startedAt: '2026-11-01T10:05:00.000Z' }));
  store.close();
  await page.goto(`${base}/#/compare?again=1`);
  await page.reload();
  await waitReady(page, 'compare');
  assert.match(
    (await page.textContent('#compare-same-commit')) ?? '',
    /Runs #1 and #2 share a commit: .*noise/,
  );
  assert.equal(await page.textContent('#compare-gate'), 'gate: pass');
});

it('a noisy run: every wall change in parentheses, marked †, the reason in its tooltip', {
  timeout: 60_000,
}, async () => {
  const reason = 'the machine was busy: load 3.1 on 2 cores';
  const store = Store.open(file);
  store.insertRun(
    syntheticRun({
      uuid: 'the-noisy-one',
      startedAt: '2026-11-01T10:10:00.000Z',
      config: { suite: 'smoke', noise: { noisy: true, reason } },
    }),
  );
  store.close();
  await page.goto(`${base}/#/compare?noisy=1`);
  await page.reload();
  await waitReady(page, 'compare');
  const cells = page.locator('#compare-table td.wall-greyed');
  assert.ok((await cells.count()) > 0, 'the wall changes are greyed');
  for (let i = 0; i < (await cells.count()); i++) {
    assert.match((await cells.nth(i).textContent()) ?? '', /^\(.*\)†$/);
    assert.match(
      (await cells.nth(i).getAttribute('title')) ?? '',
      new RegExp(`was noisy \\(${reason}\\)`),
    );
  }
});

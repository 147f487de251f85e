/**
 * The Timeline opens the latest run that has a traced flush (issue 21): it used to open the
 * latest run whatever it held, an empty timeline when that run traced nothing though an earlier
 * one did. Which runs have traces is counted once, by the store, in the run list (`traced`).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { MeasuredCase } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { launchChromium, listen, waitReady } from './browser-page.js';
import { syntheticCase, syntheticRun, tempDb } from './helpers.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
let traced: number;
let latest: number;

before(async () => {
  const file = tempDb();
  const store = Store.open(file);
  const withTrace = (protocol: string): MeasuredCase => ({
    ...syntheticCase({ protocol, cpus: 4 }),
    trace: {
      events: [
        { cpu: 0, event: 'flush-start', cycles: 0 },
        { cpu: 0, event: 'flush-done', cycles: 2000 },
      ],
      steps: null,
    },
  });
  traced = store.insertRun(
    syntheticRun({
      uuid: 'traced',
      startedAt: '2026-11-01T09:00:00.000Z',
      cases: [withTrace('sync'), withTrace('async-inline')],
    }),
  );
  latest = store.insertRun(syntheticRun({ uuid: 'untraced' }));
  assert.deepEqual(
    store.listRuns({ limit: 10 }).map((r) => [r.id, r.traced]),
    [
      [latest, 0],
      [traced, 2],
    ],
  );
  store.close();
  app = await buildApp({ dbFile: file });
  base = await listen(app);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('opens the latest run with a trace, not the latest run', { timeout: 60_000 }, async () => {
  await page.goto(`${base}/#/timeline`);
  await waitReady(page, 'timeline');
  assert.equal(await page.textContent('#run-header .run-id'), `Run #${traced}`);
  // Other views still open the latest run.
  await page.goto(`${base}/#/overview`);
  await waitReady(page, 'overview');
  assert.equal(await page.textContent('#run-header .run-id'), `Run #${latest}`);
});

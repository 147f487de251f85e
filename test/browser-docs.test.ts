/**
 * The API's docs page in Chromium: served by the server itself under the same CSP (inline styles
 * allowed on it alone), one operation per route of /openapi.json, and no error in the console.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildApp } from '../server/app.js';
import { launchChromium, listen } from './browser-page.js';
import { emptyDb } from './helpers.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let base: string;

before(async () => {
  app = await buildApp({ dbFile: emptyDb(), logger: false });
  base = await listen(app);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('/api/docs shows every operation of /openapi.json, with no console error', {
  timeout: 60_000,
}, async () => {
  const spec = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations = Object.values(spec.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/api/docs`);
  await page.waitForSelector('.opblock', { timeout: 15_000 });
  assert.equal(await page.locator('.opblock').count(), operations);
  assert.deepEqual(errors, []);
  const csp =
    (await fetch(`${base}/api/docs/static/index.html`)).headers.get('content-security-policy') ??
    '';
  assert.match(csp, /script-src 'self'(;|$)/, 'scripts stay self-only on the docs page');
});

it('the dashboard links the docs from its nav, and the docs follow the colour scheme', {
  timeout: 60_000,
}, async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/#/overview`);
  await page.waitForSelector('#nav-api', { timeout: 15_000 });
  await Promise.all([page.waitForURL(`${base}/api/docs**`), page.click('#nav-api')]);
  await page.waitForSelector('.opblock', { timeout: 15_000 });
  const bodyFilter = () =>
    page.evaluate(() => {
      const w = globalThis as unknown as {
        getComputedStyle(e: unknown): { filter: string };
        document: { body: unknown };
      };
      return w.getComputedStyle(w.document.body).filter;
    });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await bodyFilter(), 'none');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.match(await bodyFilter(), /invert/);
});

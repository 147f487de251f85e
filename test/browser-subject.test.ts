/**
 * A heading shows the commit subject's first line, cut at 72 characters (git's one-line width):
 * a 400-character, two-line subject takes one line of the run header, and the whole message is
 * its tooltip.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Store } from '../data/store.js';
import { servedDashboard, waitReady } from './browser-page.js';
import { syntheticRun } from './helpers.js';

const FIRST = `x86/mm: ${'a long subject line that goes on '.repeat(12)}`.trimEnd();
const MESSAGE = `${FIRST}\n\nand a body after a blank line`;

const dashboard = servedDashboard((file) => {
  const store = Store.open(file);
  store.insertRun(syntheticRun({ commit: { ...syntheticRun().commit!, subject: MESSAGE } }));
  store.close();
});

it('the run header shows the first line cut at 72 characters, the message in its tooltip', {
  timeout: 60_000,
}, async () => {
  assert.ok(FIRST.length > 300);
  const page = await dashboard.browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${dashboard.base}/#/overview`);
  await waitReady(page, 'overview');
  const subject = page.locator('#run-header .subject');
  const shown = (await subject.textContent()) ?? '';
  assert.equal([...shown].length, 72);
  assert.equal(shown, `${FIRST.slice(0, 71)}…`);
  assert.equal(await subject.getAttribute('title'), MESSAGE);
});

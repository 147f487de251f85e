/**
 * Every view on a phone (390 px: nothing wider than the screen), in dark mode (readable
 * contrast, from the reader's setting), and a chart saved as a PNG.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { servedDashboard, waitReady } from './browser-page.js';
import { seedDatabase } from './fixtures/seed-db.js';

const VIEWS = ['overview', 'case', 'history', 'compare', 'correctness', 'timeline', 'validation'];
const PHONE = { width: 390, height: 844 };

const dashboard = servedDashboard((file) => seedDatabase(file, { cpus: [1, 2, 4] }));

it('at 390 px no view scrolls sideways', { timeout: 120_000 }, async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const page = await dashboard.browser.newPage({ viewport: PHONE, colorScheme });
    for (const view of VIEWS) {
      await page.goto(`${dashboard.base}/#/${view}`);
      await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 15_000 });
      const width = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
            .document.documentElement.scrollWidth,
      );
      assert.ok(width <= PHONE.width, `${view} (${colorScheme}) is ${width} px wide`);
    }
    await page.close();
  }
});

/** WCAG contrast of two rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

it('dark mode follows the reader and keeps text readable', { timeout: 60_000 }, async () => {
  const page = await dashboard.browser.newPage({ colorScheme: 'dark' });
  await page.goto(`${dashboard.base}/#/overview`);
  await waitReady(page, 'overview');
  const colours = await page.evaluate(() => {
    const w = globalThis as unknown as {
      document: { querySelector(s: string): unknown };
      getComputedStyle(e: unknown): { color: string; backgroundColor: string };
    };
    const panel = w.getComputedStyle(w.document.querySelector('.panel'));
    const h2 = w.getComputedStyle(w.document.querySelector('.panel h2'));
    const muted = w.getComputedStyle(
      w.document.querySelector('.panel .note') ?? w.document.querySelector('.panel h2'),
    );
    return { bg: panel.backgroundColor, text: h2.color, muted: muted.color };
  });
  const dark = contrast(colours.bg, 'rgb(0, 0, 0)') < 2;
  assert.ok(dark, `the panel is dark (${colours.bg})`);
  assert.ok(contrast(colours.text, colours.bg) >= 7, `headings ${colours.text} on ${colours.bg}`);
  assert.ok(contrast(colours.muted, colours.bg) >= 4.5, `notes ${colours.muted} on ${colours.bg}`);
  await page.close();
});

it('"Save PNG" saves the chart as a PNG', { timeout: 60_000 }, async () => {
  const page = await dashboard.browser.newPage();
  await page.goto(`${dashboard.base}/#/overview`);
  await waitReady(page, 'overview');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#chart-overview-latency-save'),
  ]);
  assert.equal(download.suggestedFilename(), 'flushbench-chart-overview-latency.png');
  const file = await download.path();
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(bytes.length > 1000, 'a drawn chart, not an empty image');
  await page.close();
});

/**
 * The overview's CPU axis reaches 960: every CPU count a run has, 1 to 960, gets its own tick,
 * each a readable distance from the next, on a desktop and on a phone — a linear axis would
 * squash 1, 2 and 4 into one pixel beside 768.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { type PageGlobals, servedDashboard, waitReady } from './browser-page.js';
import { SCALE_CPUS, SCALE_HOST_CORES, seedScaleRun } from './fixtures/seed-cooperative.js';

/** Less than this between two ticks' centres and their labels collide. */
const MIN_TICK_GAP_PX = 16;

let runId: number;
const dashboard = servedDashboard((file) => {
  runId = seedScaleRun(file);
});

/** The x axis of chart `#id`: each tick's label and its centre, px from the axis's left. */
function xTicks(page: Page, id: string): Promise<{ label: string; px: number }[]> {
  return page.evaluate((canvasId) => {
    const w = globalThis as unknown as {
      document: PageGlobals['document'];
      Chart: {
        getChart(c: unknown): {
          scales: {
            x: {
              ticks: { label: string | string[] }[];
              left: number;
              getPixelForTick(i: number): number;
            };
          };
        };
      };
    };
    const x = w.Chart.getChart(w.document.getElementById(canvasId)).scales.x;
    return x.ticks.map((t, i) => ({ label: String(t.label), px: x.getPixelForTick(i) - x.left }));
  }, id);
}

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]) {
  it(`at ${viewport.width} px every CPU count from 1 to 960 has its own readable tick`, {
    timeout: 60_000,
  }, async () => {
    const page = await dashboard.browser.newPage({ viewport });
    try {
      await page.goto(`${dashboard.base}/#/overview?run=${runId}`);
      await waitReady(page, 'overview');
      for (const id of ['chart-overview-latency', 'chart-overview-speedup']) {
        const ticks = await xTicks(page, id);
        assert.deepEqual(
          ticks.map((t) => t.label),
          SCALE_CPUS.map(String),
          `${id}: a tick at each CPU count, 768 and 960 included`,
        );
        for (let i = 1; i < ticks.length; i++) {
          assert.ok(
            ticks[i].px - ticks[i - 1].px >= MIN_TICK_GAP_PX,
            `${id}: ${ticks[i - 1].label} and ${ticks[i].label} are ${(ticks[i].px - ticks[i - 1].px).toFixed(1)} px apart`,
          );
        }
      }
      // The table beside the charts marks the counts the cooperative engine ran.
      const marked = await page
        .locator('#overview-cases th:has(.engine-cooperative)')
        .evaluateAll((ths) => ths.map((th) => Number(th.getAttribute('data-cpus'))));
      assert.deepEqual(
        marked,
        SCALE_CPUS.filter((n) => n > SCALE_HOST_CORES),
      );
    } finally {
      await page.close();
    }
  });
}

/**
 * No axis title is clipped: on a phone (390 px) and a desktop (1400 px), every titled axis of the
 * history, compare and overview (the call metric, the longest title) charts holds its title —
 * each of its lines, measured in the title's own font, is no longer than the axis.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { servedDashboard, waitReady } from './browser-page.js';
import { seedDatabase } from './fixtures/seed-db.js';

const dashboard = servedDashboard((file) => seedDatabase(file, { cpus: [1, 2, 4] }));

const VIEWS: [string, string][] = [
  ['history', '#/history?protocol=sync&cpus=4&pages=1&workload=madvise&metric=modeled'],
  ['compare', '#/compare'],
  ['overview', '#/overview?metric=modeled-call-ns'],
];

/** Every title line longer than its axis on the page: chart, axis, line, its width and the room. */
function clipped(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Scale = {
      isHorizontal(): boolean;
      width: number;
      height: number;
      options: {
        title: {
          display: boolean;
          text: string | string[];
          font: { style?: string; weight?: string | number; size: number; family: string };
        };
      };
    };
    type ChartLike = {
      canvas: { id: string };
      ctx: { font: string; measureText(s: string): { width: number } };
      scales: Record<string, Scale>;
    };
    const w = globalThis as unknown as {
      Chart: { instances: Record<string, ChartLike> };
    };
    const out: string[] = [];
    for (const chart of Object.values(w.Chart.instances)) {
      for (const [id, s] of Object.entries(chart.scales)) {
        const t = s.options.title;
        if (!t?.display) continue;
        const f = t.font;
        chart.ctx.font = `${f.style ?? 'normal'} ${f.weight ?? 'normal'} ${f.size}px ${f.family}`;
        const room = s.isHorizontal() ? s.width : s.height;
        for (const line of [t.text].flat()) {
          const width = chart.ctx.measureText(line).width;
          if (width > room)
            out.push(
              `${chart.canvas.id} ${id}: "${line}" ${width.toFixed(0)} > ${room.toFixed(0)} px`,
            );
        }
      }
    }
    return out;
  });
}

for (const width of [390, 1400]) {
  it(`at ${width} px no axis title is longer than its axis`, { timeout: 90_000 }, async () => {
    const page = await dashboard.browser.newPage({ viewport: { width, height: 900 } });
    let titled = 0;
    for (const [view, hash] of VIEWS) {
      await page.goto(`${dashboard.base}/${hash}`);
      await waitReady(page, view);
      titled += await page.evaluate(
        () =>
          Object.values(
            (globalThis as unknown as { Chart: { instances: Record<string, unknown> } }).Chart
              .instances,
          ).length,
      );
      // A title that did not fit is wrapped and its chart laid out once more in the next frame
      // (chart-theme.ts, fitAxisTitles): two frames on, every chart has had its second pass.
      await page.evaluate(() => {
        const w = globalThis as unknown as { requestAnimationFrame(f: () => void): void };
        return new Promise<void>((done) =>
          w.requestAnimationFrame(() => w.requestAnimationFrame(() => done())),
        );
      });
      assert.deepEqual(await clipped(page), [], `${view} at ${width} px`);
    }
    assert.ok(titled >= 3, 'the views drew their charts');
    await page.close();
  });
}

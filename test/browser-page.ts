/**
 * Driving the dashboard in headless Chromium for test/browser.test.ts: launching the browser,
 * moving between views, and reading what Chart.js drew. Functions passed to `page.evaluate` run
 * in the page, so they reach the page's globals through `globalThis` and the minimal types
 * below (the tests compile without the DOM library).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildApp } from '../server/app.js';

/** Debian's chromium: CI installs it with apt; playwright-core brings no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

/** How long a view may take to draw before a test gives up: generous, for a loaded CI runner. */
export const READY_TIMEOUT_MS = 15_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: the dashboard's browser test needs Debian's chromium (apt-get install chromium)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** What the test reads back from one Chart.js instance. */
export interface ChartSnapshot {
  type: string;
  labels: unknown[];
  datasets: {
    type?: string;
    label: string;
    data: unknown[];
    pointStyle?: unknown;
    pointRadius?: unknown;
    pointBackgroundColor?: unknown;
    backgroundColor?: unknown;
    base?: unknown;
    visible?: boolean;
  }[];
  scales: Record<string, { type: string; min: number; max: number }>;
}

/** The slice of the page's globals the evaluated functions use. */
export interface PageGlobals {
  Chart: {
    getChart(canvas: unknown):
      | {
          config: { type: string };
          data: { labels?: unknown[]; datasets: ChartSnapshot['datasets'] };
          scales: Record<string, { type: string; min: number; max: number }>;
          canvas: { getBoundingClientRect(): { left: number; top: number } };
          getDatasetMeta(i: number): { data: { x: number; y: number }[] };
          isDatasetVisible(i: number): boolean;
        }
      | undefined;
  };
  document: {
    getElementById(id: string): unknown;
    body: { dataset: Record<string, string | undefined> };
  };
  location: { hash: string };
  performance: { getEntriesByName(name: string): { startTime: number }[] };
}

export async function waitReady(page: Page, view: string): Promise<void> {
  await page.waitForSelector(`body[data-ready="${view}"]`, {
    state: 'attached',
    timeout: READY_TIMEOUT_MS,
  });
}

/**
 * Moves the open page to `hash` (a same-document navigation) and waits for `view` to be drawn.
 * The ready mark is cleared first, so the previous view's mark cannot satisfy the wait.
 */
export async function show(page: Page, hash: string, view: string): Promise<void> {
  await page.evaluate((h) => {
    const w = globalThis as unknown as PageGlobals;
    delete w.document.body.dataset.ready;
    w.location.hash = h;
  }, hash);
  await waitReady(page, view);
}

export function currentHash(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).location.hash);
}

/** The chart drawn on canvas `#id`, or a failed assertion naming the id. */
export async function chartOf(page: Page, id: string): Promise<ChartSnapshot> {
  const snap = await page.evaluate((canvasId) => {
    const w = globalThis as unknown as PageGlobals;
    const chart = w.Chart.getChart(w.document.getElementById(canvasId));
    if (!chart) return null;
    const scales: ChartSnapshot['scales'] = {};
    for (const [k, s] of Object.entries(chart.scales))
      scales[k] = { type: s.type, min: s.min, max: s.max };
    return {
      type: chart.config.type,
      labels: chart.data.labels ?? [],
      datasets: chart.data.datasets.map((d, i) => ({
        type: d.type,
        label: d.label,
        data: d.data,
        pointStyle: d.pointStyle,
        pointRadius: d.pointRadius,
        pointBackgroundColor: d.pointBackgroundColor,
        backgroundColor: d.backgroundColor,
        base: d.base,
        visible: chart.isDatasetVisible(i),
      })),
      scales,
    };
  }, id);
  if (!snap) throw new Error(`no Chart.js chart on canvas #${id}`);
  return snap;
}

/** Where point `index` of dataset `dataset` of chart `#id` is on the page, in CSS pixels. */
export async function pointPosition(
  page: Page,
  id: string,
  dataset: number,
  index: number,
): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ({ canvasId, ds, i }) => {
      const w = globalThis as unknown as PageGlobals;
      const chart = w.Chart.getChart(w.document.getElementById(canvasId));
      if (!chart) throw new Error(`no chart on #${canvasId}`);
      const p = chart.getDatasetMeta(ds).data[i];
      const r = chart.canvas.getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    { canvasId: id, ds: dataset, i: index },
  );
}

/** Milliseconds from the document's navigation start to the view's ready mark. */
export function readyAtMs(page: Page, view: string): Promise<number | null> {
  return page.evaluate((v) => {
    const w = globalThis as unknown as PageGlobals;
    const marks = w.performance.getEntriesByName(`flushbench:ready:${v}`);
    return marks.length > 0 ? marks[0].startTime : null;
  }, view);
}

export async function listen(app: {
  listen(o: { port: number; host: string }): Promise<unknown>;
  server: { address(): unknown };
}): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Type 7 quantile, as the dashboard computes it: an independent check of its numbers. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * A dashboard for one test file: a database seeded by `seed`, served on 127.0.0.1, and Chromium,
 * started in `before` and closed in `after`. Read `base` and `browser` inside the tests.
 */
export function servedDashboard(seed: (file: string) => void): {
  readonly base: string;
  readonly browser: Browser;
} {
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let browser: Browser | undefined;
  let base = '';
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flushbench-dashboard-')), 'runs.db');
    seed(file);
    app = await buildApp({ dbFile: file, logger: false });
    base = await listen(app);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get base() {
      return base;
    },
    get browser() {
      if (!browser) throw new Error('servedDashboard: the browser starts in before()');
      return browser;
    },
  };
}

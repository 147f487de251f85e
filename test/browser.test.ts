/**
 * The dashboard in a real browser: the server in-process on a seeded database (five synthetic,
 * deterministic runs, the second oldest with 40 % dearer modeled cycles), headless Chromium, and
 * every view checked by reading back what Chart.js drew against what the API says. Screenshots of
 * each view land in test-output/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { loadPublished, validate } from '../bench/validate.js';
import { Store } from '../data/store.js';
import type { ValidationConfig } from '../data/validation.js';
import { buildApp } from '../server/app.js';
import { PROTOCOLS } from '../sim/index.js';
import {
  chartOf,
  currentHash,
  launchChromium,
  listen,
  type PageGlobals,
  pointPosition,
  quantile,
  readyAtMs,
  show,
  waitReady,
} from './browser-page.js';
import { REGRESSION_SCALE, seedDatabase } from './fixtures/seed-db.js';

const OUTPUT_DIR = fileURLToPath(new URL('../../test-output', import.meta.url));
const VIEWPORT = { width: 1440, height: 900 };
/** The goal for the overview, from navigation to charts drawn; printed, not asserted. */
const OVERVIEW_GOAL_MS = 1_500;
const SEED_CPUS = [1, 2, 4];
const CONTROLS = ['async-unsafe', 'async-ignore-freed-tables', 'async-nmi-unchecked'];
/** The table's order (sim/shared/protocols.ts), which the dashboard learns from the API. */
const PROTOCOL_ORDER: readonly string[] = PROTOCOLS;

type App = Awaited<ReturnType<typeof buildApp>>;

interface ApiCase {
  id: number;
  key: string;
  protocol: string;
  workload: string;
  cpus: number;
  pages: number;
  wallNs: { p50: number } | null;
  modeledCycles: { p50: number } | null;
}
interface ApiRun {
  id: number;
  host: { cores: number };
  cases: ApiCase[];
}

function protocolsIn(cases: ApiCase[]): string[] {
  return PROTOCOL_ORDER.filter((p) => cases.some((c) => c.protocol === p));
}

describe('dashboard in a browser', { timeout: 180_000 }, () => {
  let dir: string;
  let app: App;
  let emptyApp: App;
  let base: string;
  let browser: Browser;
  let page: Page;
  let runIds: number[];
  /** Console errors and uncaught exceptions (a CSP violation shows as one). */
  let pageErrors: string[] = [];

  const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  const shoot = (name: string) =>
    page.screenshot({ path: join(OUTPUT_DIR, `browser-${name}.png`), fullPage: true });
  const assertNoPageErrors = () => {
    assert.deepEqual(pageErrors, [], 'the page logged errors');
  };

  before(async () => {
    // Fails (not skips) without chromium: CI installs it, so its absence is a broken setup.
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'flushbench-browser-'));
    mkdirSync(OUTPUT_DIR, { recursive: true });
    runIds = seedDatabase(join(dir, 'runs.db'), { cpus: SEED_CPUS });
    app = await buildApp({ dbFile: join(dir, 'runs.db'), logger: false });
    base = await listen(app);
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await emptyApp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('overview: one line per protocol over CPUs 1, 2, 4 with the API wall p50', async () => {
    const latest = (await api<ApiRun>(`/api/runs/${runIds.at(-1)}`)).body;
    await page.goto(`${base}/#/overview`);
    await waitReady(page, 'overview');
    const loadMs = await readyAtMs(page, 'overview');
    console.log(
      `overview drawn ${loadMs?.toFixed(0)} ms after navigation start (goal ≤ ${OVERVIEW_GOAL_MS} ms)`,
    );

    assert.equal(await page.inputValue('#overview-metric'), 'modeled', 'default metric');
    await show(page, '#/overview?metric=wall-p50', 'overview');
    const pages = Number(await page.inputValue('#overview-pages'));
    const workload = await page.inputValue('#overview-workload');
    const slice = latest.cases.filter((c) => c.pages === pages && c.workload === workload);
    const chart = await chartOf(page, 'chart-overview-latency');
    assert.deepEqual(chart.labels, SEED_CPUS.map(String));
    assert.deepEqual(
      chart.datasets.map((d) => d.label),
      protocolsIn(slice),
    );
    for (const d of chart.datasets) {
      const expected = SEED_CPUS.map(
        (n) => slice.find((c) => c.protocol === d.label && c.cpus === n)?.wallNs?.p50 ?? null,
      );
      assert.deepEqual(d.data, expected, `${d.label} wall p50`);
      // Wall-clock with more CPUs than cores is marked: a different point style.
      assert.deepEqual(
        d.pointStyle,
        SEED_CPUS.map((n) => (n > latest.host.cores ? 'triangle' : 'circle')),
        `${d.label} oversubscribed marks`,
      );
    }
    const speedup = await chartOf(page, 'chart-overview-speedup');
    const speedupProtocols = speedup.datasets.filter((d) => d.type === 'bar').map((d) => d.label);
    assert.deepEqual(speedupProtocols, ['concurrent', 'async-inline', 'broadcast']);
    const sync4 = slice.find((c) => c.protocol === 'sync' && c.cpus === 4)!.wallNs!.p50;
    const async4 = slice.find((c) => c.protocol === 'async-inline' && c.cpus === 4)!.wallNs!.p50;
    const asyncSpeedup = speedup.datasets.find((d) => d.label === 'async-inline')!.data;
    assert.ok(
      Math.abs((asyncSpeedup[2] as number) - sync4 / async4) < 1e-9,
      'speedup = sync / protocol',
    );
    // Wall speedups with more CPUs than cores are never bare: those bars are grey.
    const colours = speedup.datasets.find((d) => d.label === 'async-inline')!.backgroundColor;
    for (const [i, n] of SEED_CPUS.entries())
      assert.equal((colours as string[])[i] === (colours as string[])[0], n <= latest.host.cores);
    await shoot('overview');
    assertNoPageErrors();
  });

  it('overview: switching the metric to modeled draws the modeled cycles', async () => {
    const latest = (await api<ApiRun>(`/api/runs/${runIds.at(-1)}`)).body;
    const pages = Number(await page.inputValue('#overview-pages'));
    const workload = await page.inputValue('#overview-workload');
    // The control clears the ready mark synchronously, so this wait sees the redrawn view.
    await page.selectOption('#overview-metric', 'modeled');
    await waitReady(page, 'overview');
    assert.match(await currentHash(page), /metric=modeled/);
    const chart = await chartOf(page, 'chart-overview-latency');
    for (const d of chart.datasets) {
      const expected = SEED_CPUS.map(
        (n) =>
          latest.cases.find(
            (c) =>
              c.protocol === d.label &&
              c.cpus === n &&
              c.pages === pages &&
              c.workload === workload,
          )?.modeledCycles?.p50 ?? null,
      );
      assert.deepEqual(d.data, expected, `${d.label} modeled p50`);
      // Modeled cycles do not depend on the measuring machine's cores: nothing to mark.
      assert.ok((d.pointStyle as string[]).every((s) => s === 'circle'));
    }
    assertNoPageErrors();
  });

  it('overview: a permalink reloads to the same view and data', async () => {
    const runId = runIds.at(-1)!;
    const latest = (await api<ApiRun>(`/api/runs/${runId}`)).body;
    await show(page, `#/overview?run=${runId}&metric=modeled&scale=log&pages=8`, 'overview');
    const before = await chartOf(page, 'chart-overview-latency');
    await page.reload();
    await waitReady(page, 'overview');
    const after = await chartOf(page, 'chart-overview-latency');
    assert.deepEqual(after, before);
    assert.equal(after.scales.y.type, 'logarithmic');
    assert.equal(await page.inputValue('#overview-metric'), 'modeled');
    assert.equal(await page.inputValue('#overview-scale'), 'log');
    assert.equal(await page.inputValue('#overview-pages'), '8');
    assert.equal(await page.inputValue('#run-picker'), String(runId));
    const sync = after.datasets.find((d) => d.label === 'sync')!;
    assert.deepEqual(
      sync.data,
      SEED_CPUS.map(
        (n) =>
          latest.cases.find(
            (c) =>
              c.protocol === 'sync' && c.cpus === n && c.pages === 8 && c.workload === 'madvise',
          )!.modeledCycles!.p50,
      ),
    );
    await shoot('overview-permalink');
    assertNoPageErrors();
  });

  it('case detail: percentiles from the samples and their histogram', async () => {
    const runId = runIds.at(-1)!;
    const latest = (await api<ApiRun>(`/api/runs/${runId}`)).body;
    await show(page, '#/case?cpus=4&pages=1&workload=madvise&samples=wall', 'case');
    const slice = latest.cases.filter(
      (c) => c.cpus === 4 && c.pages === 1 && c.workload === 'madvise',
    );
    const pct = await chartOf(page, 'chart-case-percentiles');
    assert.deepEqual(pct.labels, ['p50', 'p90', 'p99', 'p99.9']);
    assert.deepEqual(
      pct.datasets.map((d) => d.label),
      protocolsIn(slice),
    );
    const sync = slice.find((c) => c.protocol === 'sync')!;
    const samples = (
      await api<{ samplesNs: number[] }>(`/api/runs/${runId}/cases/${sync.id}/samples`)
    ).body.samplesNs;
    const drawn = pct.datasets.find((d) => d.label === 'sync')!.data as number[];
    [0.5, 0.9, 0.99, 0.999].forEach((q, i) => {
      assert.ok(Math.abs(drawn[i] - quantile(samples, q)) < 1e-6, `sync p${q * 100}`);
    });
    const hist = await chartOf(page, 'chart-case-histogram');
    assert.equal(hist.datasets.length, slice.length);
    for (const d of hist.datasets) {
      const total = (d.data as { y: number }[]).reduce((s, p) => s + p.y, 0);
      assert.ok(Math.abs(total - 100) < 1e-6, `${d.label}: bins hold every sample (${total} %)`);
    }
    await shoot('case');
    assertNoPageErrors();
  });

  it('history: five commits, the regression marked at the dearer commit, click opens its run', async () => {
    await show(
      page,
      '#/history?protocol=sync&cpus=4&pages=1&workload=madvise&metric=modeled',
      'history',
    );
    const chart = await chartOf(page, 'chart-history');
    const data = chart.datasets[0].data as { x: number; y: number }[];
    assert.equal(data.length, runIds.length);
    // seed-db: the second oldest commit (run ids[1], sha 3333…) had 40 % dearer modeled cycles.
    const radius = chart.datasets[0].pointRadius as number[];
    const colour = chart.datasets[0].pointBackgroundColor as string[];
    const marked = radius.map((r, i) => (r > radius[0] ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(marked, [1], 'only the second oldest point is drawn large');
    assert.notEqual(colour[1], colour[0], 'the regression has its own colour');
    assert.ok(
      Math.abs(data[1].y / data[0].y - REGRESSION_SCALE) < 1e-9,
      'and it is the 40 % dearer one',
    );
    assert.match(
      (await page.textContent('#history-table tr.row-regression td code')) ?? '',
      /^33333333/,
    );
    await shoot('history');

    const at = await pointPosition(page, 'chart-history', 0, 1);
    await page.evaluate(() => {
      delete (globalThis as unknown as PageGlobals).document.body.dataset.ready;
    });
    await page.mouse.click(at.x, at.y);
    await waitReady(page, 'overview');
    assert.match(await currentHash(page), new RegExp(`^#/overview\\?run=${runIds[1]}&`));
    assertNoPageErrors();
  });

  it('history: wheel zoom is kept in the URL and restored on reload', async () => {
    await show(
      page,
      '#/history?protocol=sync&cpus=4&pages=1&workload=madvise&metric=modeled',
      'history',
    );
    const at = await pointPosition(page, 'chart-history', 0, 2);
    await page.mouse.move(at.x, at.y);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).location.hash.includes('xmin='),
    );
    const hash = await currentHash(page);
    const params = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
    const xmin = Number(params.get('xmin'));
    const xmax = Number(params.get('xmax'));
    const zoomed = await chartOf(page, 'chart-history');
    assert.ok(
      xmax - xmin < zoomed.scales.x.max - zoomed.scales.x.min + 0.02,
      'URL range is the zoom',
    );
    assert.ok(xmax - xmin < runIds.length, 'zoomed in');
    await page.reload();
    await waitReady(page, 'history');
    const restored = await chartOf(page, 'chart-history');
    assert.ok(
      Math.abs(restored.scales.x.min - xmin) < 0.01,
      `x min ${restored.scales.x.min} ≈ ${xmin}`,
    );
    assert.ok(
      Math.abs(restored.scales.x.max - xmax) < 0.01,
      `x max ${restored.scales.x.max} ≈ ${xmax}`,
    );
    await shoot('history-zoomed');
    assertNoPageErrors();
  });

  it('compare: base and head picked by run id give the table and the change bars', async () => {
    await show(page, '#/compare', 'compare');
    await page.fill('#compare-base', String(runIds[0]));
    await page.fill('#compare-head', String(runIds[1]));
    await page.click('#compare-submit');
    await waitReady(page, 'compare');
    type Row = { key: string; verdict: string; modeled: { changePct: number } | null };
    const expected = (
      await api<{ cases: Row[]; regressions: number; failed: boolean }>(
        `/api/compare?base=${runIds[0]}&head=${runIds[1]}`,
      )
    ).body;
    assert.ok(expected.regressions > 0, 'the seeded regression is found');
    assert.equal(await page.locator('#compare-table tbody tr').count(), expected.cases.length);
    assert.equal(
      await page.locator('#compare-table tbody tr.verdict-slower').count(),
      expected.cases.filter((c) => c.verdict === 'slower').length,
    );
    assert.equal(
      await page.textContent('#compare-gate'),
      expected.failed ? 'gate: FAIL' : 'gate: pass',
    );
    const chart = await chartOf(page, 'chart-compare');
    const charted = expected.cases.filter((c) => c.modeled !== null);
    assert.equal(chart.labels.length, charted.length);
    const bars = chart.datasets.filter((d) => d.type === 'bar');
    assert.deepEqual(
      bars[0].data,
      charted.map((c) => c.modeled!.changePct),
    ); // prettier-ignore
    assert.ok(
      (bars[0].data as number[]).some((v) => v > 30),
      '+40 % is drawn up from 0',
    );
    await shoot('compare');
    assertNoPageErrors();
  });

  it('correctness: every negative control is shown as caught, by the rule it breaks', async () => {
    await show(page, '#/correctness', 'correctness');
    assert.equal(await page.getAttribute('#negative-control', 'data-caught'), 'caught');
    const controls = (await api<ApiRun>(`/api/runs/${runIds.at(-1)}`)).body.cases.filter(
      (c) => CONTROLS.includes(c.protocol) && c.cpus >= 2,
    );
    assert.match(
      (await page.textContent('#negative-control')) ?? '',
      new RegExp(`CAUGHT — in ${controls.length} of ${controls.length} cases`),
    );
    // What each control breaks comes from the server's protocol table.
    const table = (
      await api<{ protocols: { name: string; control: { breaks: string } | null }[] }>(
        '/api/protocols',
      )
    ).body.protocols;
    const breaks = await page.$$eval('#negative-control .control-breaks li', (lis) =>
      lis.map((li) => li.textContent ?? ''),
    );
    assert.deepEqual(
      breaks,
      table
        .filter((p) => CONTROLS.includes(p.name))
        .map((p) => `${p.name}: breaks ${p.control?.breaks}`),
    );
    for (const control of CONTROLS) {
      assert.equal(
        (
          await page.textContent(`#correctness-table tr[data-protocol="${control}"] td:last-child`)
        )?.trim(),
        'caught',
        control,
      );
    }
    const chart = await chartOf(page, 'chart-correctness');
    const drawn = (protocol: string, rule: string) => {
      const row = chart.labels.findIndex((l) => String(l).startsWith(`${protocol} ·`));
      const set = chart.datasets.find((d) => d.label.startsWith(rule));
      assert.ok(row >= 0 && set, `${protocol} and ${rule} are on the chart`);
      return set.data[row] as number;
    };
    assert.ok(drawn('async-unsafe', 'stale TLB uses') > 0, 'observed stale uses of async-unsafe');
    assert.ok(drawn('async-unsafe', 'ack-window') > 0, 'ack-window violations of async-unsafe');
    assert.ok(drawn('async-ignore-freed-tables', 'freed-table walks') > 0);
    assert.ok(drawn('async-nmi-unchecked', 'ack-window') > 0);
    assert.equal(
      chart.labels.filter((l) => String(l).startsWith('sync ·')).length,
      0,
      'a clean protocol gets no bar',
    );
    await shoot('correctness');
    assertNoPageErrors();
  });

  it('timeline: sync and async-inline side by side on one axis', async () => {
    await show(page, '#/timeline?cpus=4&pages=1&workload=madvise', 'timeline');
    const sync = await chartOf(page, 'chart-timeline-sync');
    const asyncInline = await chartOf(page, 'chart-timeline-async-inline');
    for (const c of [sync, asyncInline]) {
      assert.equal(c.labels.length, 4, 'one lane per CPU');
      assert.ok(
        c.datasets.some((d) => d.data.length > 0),
        'phases drawn',
      );
    }
    assert.equal(sync.scales.x.max, asyncInline.scales.x.max, 'same cycle axis');
    assert.match(
      (await page.textContent('#timeline-saving')) ?? '',
      /async-inline returns [\d,]+ cycles/,
    );
    await shoot('timeline');
    assertNoPageErrors();
  });

  it('an API error reaches the user', async () => {
    const missing = 999_999;
    const { status, body } = await api<{ error: { message: string } }>(`/api/runs/${missing}`);
    assert.equal(status, 404);
    await show(page, `#/overview?run=${missing}`, 'error');
    assert.ok(await page.isVisible('#error-banner'));
    assert.equal(await page.textContent('#error-message'), body.error.message);
    await shoot('error');
    // The 404 is logged by the browser and by the dashboard: expected here, nowhere else.
    pageErrors = [];
  });

  it('validation: published beside modeled per measurement, the verdict first; the other views keep the bench run', async () => {
    // A real validation (modeled cycles only, deterministic), stored as flushbench validate does.
    const v = await validate(loadPublished());
    const store = Store.open(join(dir, 'runs.db'));
    const id = store.insertRun(v.run);
    store.close();
    await show(page, '#/validation', 'validation');
    const score = (v.run.config as ValidationConfig).score!;
    assert.ok(score.of > 0 && score.of < v.rows.length, 'the baselines are not scored');
    assert.match(
      (await page.textContent('#validation-verdict')) ?? '',
      new RegExp(`^${score.within} of ${score.of} points within ±15 %`),
    );
    assert.equal(await page.getAttribute('#validation-verdict', 'data-misses'), String(v.misses));
    const measurements = (await api<{ config: ValidationConfig }>(`/api/runs/${id}`)).body.config
      .measurements;
    for (const [i, m] of measurements.entries()) {
      const rows = v.rows.filter((r) => r.measurement === m.id);
      const chart = await chartOf(page, `chart-validation-${i}`);
      assert.deepEqual(
        chart.labels,
        rows.map(
          (r) =>
            `${r.protocol}, ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}, ${r.pages} page${r.pages === 1 ? '' : 's'}`,
        ),
        m.id,
      );
      assert.deepEqual(
        chart.datasets.map((d) => d.label),
        ['published', 'modeled'],
      );
      assert.deepEqual(
        chart.datasets[0].data,
        rows.map((r) => r.publishedRatio),
      );
      assert.deepEqual(
        chart.datasets[1].data,
        rows.map((r) => r.modeledRatio),
      );
      assert.equal(await page.locator(`#validation-${m.id} tbody tr`).count(), rows.length);
    }
    await shoot('validation');
    // The overview still opens the latest bench run, not the validation.
    await show(page, '#/overview', 'overview');
    assert.equal(await page.textContent('#run-header .run-id'), `Run #${runIds.at(-1)}`);
    assertNoPageErrors();
  });

  it('an empty database shows the command that makes the first run', async () => {
    Store.open(join(dir, 'empty.db')).close();
    emptyApp = await buildApp({ dbFile: join(dir, 'empty.db'), logger: false });
    const emptyBase = await listen(emptyApp);
    await page.goto(`${emptyBase}/#/overview`);
    await waitReady(page, 'overview');
    assert.match((await page.textContent('#empty-state')) ?? '', /npm run bench/);
    await shoot('empty');
    assertNoPageErrors();
  });
});

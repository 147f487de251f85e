/**
 * The overview leads with the verdict: per CPU count, how much the newer protocols take off
 * sync's modeled cycles, equal to the API's figures; speedup bars grow from the 1× line and show
 * the speedups each case's verdict stores; and a series hidden from the legend stays hidden
 * across a reload.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import type { StoredRun } from '../data/stored.js';
import { buildApp } from '../server/app.js';
import { chartOf, currentHash, launchChromium, listen, show, waitReady } from './browser-page.js';
import { seedDatabase } from './fixtures/seed-db.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
let run: StoredRun;

before(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-verdict-')), 'runs.db');
  const ids = seedDatabase(file, { cpus: [1, 2, 4] });
  // Verdicts no division of the charts' own could give: the bars must read them, not price them.
  const db = new Database(file);
  db.exec(`UPDATE cases SET verdict = json_set(verdict, '$.wallSpeedup', 2.5)
    WHERE protocol = 'async-inline' AND cpus = 2`);
  db.close();
  app = await buildApp({ dbFile: file, logger: false });
  base = await listen(app);
  run = (await (await fetch(`${base}/api/runs/${ids.at(-1)}`)).json()) as StoredRun;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it("the verdict's numbers are the API's modeled p50 against sync's", {
  timeout: 60_000,
}, async () => {
  await page.goto(`${base}/#/overview`);
  await waitReady(page, 'overview');
  const pages = Number(await page.inputValue('#overview-pages'));
  const workload = await page.inputValue('#overview-workload');
  const p50 = (protocol: string, cpus: number) =>
    run.cases.find(
      (c) =>
        c.protocol === protocol && c.cpus === cpus && c.pages === pages && c.workload === workload,
    )?.modeledCycles?.p50;
  const lines = page.locator('#overview-verdict li');
  assert.deepEqual(
    await lines.evaluateAll((ls) =>
      ls.map((l) => (l as unknown as { dataset: { cpus: string } }).dataset.cpus),
    ),
    ['1', '2', '4'],
  );
  let checked = 0;
  for (const cpus of [1, 2, 4]) {
    const parts = page.locator(`#overview-verdict li[data-cpus="${cpus}"] .verdict-part`);
    for (let i = 0; i < (await parts.count()); i++) {
      const protocol = (await parts.nth(i).getAttribute('data-protocol'))!;
      const shown = Number(await parts.nth(i).getAttribute('data-pct'));
      const expected = (p50(protocol, cpus)! / p50('sync', cpus)! - 1) * 100;
      assert.ok(Math.abs(shown - expected) < 1e-9, `${protocol} at ${cpus} CPUs`);
      assert.match(
        (await parts.nth(i).textContent()) ?? '',
        new RegExp(`^${protocol} [−+]${Math.abs(expected).toFixed(1)} %$`),
      );
      checked++;
    }
  }
  assert.ok(checked >= 6, 'async-inline, concurrent and broadcast at each CPU count');
  // The lead is async-inline.
  assert.equal(
    await page
      .locator('#overview-verdict li[data-cpus="4"] .verdict-part')
      .first()
      .getAttribute('data-protocol'),
    'async-inline',
  );
});

it("the speedup bars are the verdicts': modeled for a modeled metric, wall p50 for a wall one", {
  timeout: 60_000,
}, async () => {
  const at2 = async () => {
    const chart = await chartOf(page, 'chart-overview-speedup');
    const i = (chart.labels as string[]).indexOf('2');
    return (chart.datasets.find((d) => d.label === 'async-inline')!.data as number[])[i];
  };
  await show(page, '#/overview?metric=modeled', 'overview');
  const stored = run.cases.find((c) => c.protocol === 'async-inline' && c.cpus === 2)!;
  assert.equal(await at2(), stored.verdict.speedup);
  await show(page, '#/overview?metric=wall-p99', 'overview');
  assert.equal(await at2(), 2.5, 'a wall metric shows the wall p50 speedup the verdict stores');
  await show(page, '#/overview', 'overview');
});

it('speedup bars grow from 1×; a series hidden in the legend stays hidden after a reload', {
  timeout: 60_000,
}, async () => {
  const speedup = await chartOf(page, 'chart-overview-speedup');
  for (const d of speedup.datasets.filter((x) => x.type === 'bar'))
    assert.equal(d.base, 1, d.label);
  // A click on broadcast's legend entry, as Chart.js makes it.
  await page.evaluate(() => {
    type Legend = { onClick(e: unknown, item: unknown, legend: unknown): void };
    type LegendChart = {
      options: { plugins: { legend: Legend } };
      legend: { legendItems: { text: string }[] };
    };
    const w = globalThis as unknown as {
      Chart: { getChart(canvas: unknown): LegendChart };
      document: { getElementById(id: string): unknown };
    };
    const chart = w.Chart.getChart(w.document.getElementById('chart-overview-speedup'));
    const item = chart.legend.legendItems.find((i) => i.text === 'broadcast');
    chart.options.plugins.legend.onClick(null, item, { chart });
  });
  assert.match(await currentHash(page), /hide=broadcast/);
  await page.reload();
  await waitReady(page, 'overview');
  const after = await chartOf(page, 'chart-overview-speedup');
  const visible = Object.fromEntries(after.datasets.map((d) => [d.label, d.visible]));
  assert.equal(visible.broadcast, false, 'broadcast hidden');
  assert.equal(visible['async-inline'], true);
  await show(page, '#/overview', 'overview');
});

it("the case view's modeled breakdown: each protocol's critical path adds up to its traced flush's return", {
  timeout: 60_000,
}, async () => {
  await show(page, '#/case?cpus=4&pages=1&workload=madvise&samples=modeled', 'case');
  const chart = await chartOf(page, 'chart-case-breakdown');
  const protocols = chart.labels as string[];
  assert.ok(protocols.includes('sync') && protocols.includes('async-inline'));
  // The wait is seen from the last target to acknowledge: its IRQ entry and its flush show.
  const phases = chart.datasets.map((d) => d.label);
  for (const phase of [
    'send IPI',
    'IRQ entry',
    'read/copy flush info',
    'TLB flush',
    'ack (csd unlock)',
  ])
    assert.ok(phases.includes(phase), phase);
  for (const [i, protocol] of protocols.entries()) {
    const c = run.cases.find(
      (x) => x.protocol === protocol && x.cpus === 4 && x.pages === 1 && x.workload === 'madvise',
    )!;
    const trace = (await (
      await fetch(`${base}/api/runs/${run.id}/cases/${c.id}/trace`)
    ).json()) as {
      events: { cpu: number; event: string; cycles: number }[];
    };
    const initiator = [...trace.events].sort((a, b) => a.cycles - b.cycles)[0].cpu;
    const returns = trace.events
      .filter((e) => e.cpu === initiator && ['flush-done', 'tlbsync-done'].includes(e.event))
      .map((e) => e.cycles);
    const total = chart.datasets.reduce((s, d) => s + ((d.data as number[])[i] ?? 0), 0);
    assert.ok(Math.abs(total - Math.max(...returns)) < 1e-6, `${protocol}: ${total} cycles`);
  }
  assert.equal(
    await page.locator('#chart-case-histogram').count(),
    0,
    'no histogram of modeled cycles',
  );
});

/**
 * The bench path of this host's kernel, end to end: `bench --protocols linux,sync,async-inline
 * --cpus 1,2` stores kernel and simulated cases in one run, and the overview draws them together
 * — the kernel's measured madvise p50 beside the modeled calls in ns — with the kernel's context
 * and IPIs per flush. Every figure is checked against the API, never against a constant.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { KernelRecord } from '../data/run-record.js';
import type { StoredRun } from '../data/stored.js';
import { buildApp } from '../server/app.js';
import { chartOf, launchChromium, listen, show, waitReady } from './browser-page.js';
import { cli, tempDb } from './helpers.js';

const OUTPUT_DIR = fileURLToPath(new URL('../../test-output', import.meta.url));
const skip =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : "this host's kernel is measured on Linux x86-64 only";

describe("this host's kernel in the dashboard", { skip, timeout: 180_000 }, () => {
  const db = tempDb();
  let app: Awaited<ReturnType<typeof buildApp>>;
  let browser: Browser;
  let page: Page;
  let base: string;
  let run: StoredRun;
  const pageErrors: string[] = [];

  before(async () => {
    const bench = cli([
      'bench',
      '--protocols',
      'linux,sync,async-inline',
      '--cpus',
      '1,2',
      '--pages',
      '1',
      '--time',
      '20',
      '--iterations',
      '100',
      '--db',
      db,
    ]);
    assert.equal(bench.status, 0, bench.stderr);
    app = await buildApp({ dbFile: db, logger: false });
    base = await listen(app);
    run = (await (await fetch(`${base}/api/runs/1`)).json()) as StoredRun;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(OUTPUT_DIR, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('one run holds kernel and simulated cases', () => {
    assert.deepEqual(run.cases.map((c) => `${c.protocol}/${c.workload}/${c.cpus}`).sort(), [
      'async-inline/madvise/1',
      'async-inline/madvise/2',
      'linux/touch/1',
      'linux/touch/2',
      'sync/madvise/1',
      'sync/madvise/2',
    ]);
    for (const c of run.cases) {
      assert.equal(c.status, 'completed', c.key);
      assert.equal(c.kernel != null, c.protocol === 'linux', c.key);
    }
  });

  it("the overview draws the kernel's madvise p50 beside the modeled calls in ns", async () => {
    await page.goto(`${base}/#/overview?metric=modeled-call-ns`);
    await waitReady(page, 'overview');
    const { profiles } = (await (await fetch(`${base}/api/profiles`)).json()) as {
      profiles: { name: string; ghz: number }[];
    };
    const ghz = profiles.find((p) => p.name === run.profile)!.ghz;
    const chart = await chartOf(page, 'chart-overview-latency');
    assert.deepEqual(chart.labels, ['1', '2']);
    assert.deepEqual(
      chart.datasets.map((d) => d.label),
      ['sync', 'async-inline', "this host's kernel (touch, measured)"],
    );
    const at = (protocol: string, cpus: number) =>
      run.cases.find((c) => c.protocol === protocol && c.cpus === cpus)!;
    for (const [i, protocol] of ['sync', 'async-inline'].entries()) {
      assert.deepEqual(
        chart.datasets[i].data,
        [1, 2].map((n) => at(protocol, n).modeledCycles!.callMean! / ghz),
        protocol,
      );
    }
    assert.deepEqual(
      chart.datasets[2].data,
      [1, 2].map((n) => at('linux', n).wallNs!.p50),
    );

    const kernel = (n: number) => at('linux', n).kernel as KernelRecord;
    const vm = kernel(1).context.hypervisor;
    assert.equal(await page.isVisible('#host-vm'), vm, 'a VM is said to be one');
    assert.deepEqual(
      await page.locator('#overview-host-ipis tbody tr').first().locator('td').allTextContents(),
      ['touch', '1', ...[1, 2].map((n) => kernel(n).ipis.tlbPerFlush.toFixed(2))],
    );
    await page.screenshot({ path: `${OUTPUT_DIR}/browser-overview-host.png`, fullPage: true });

    // Off: the kernel's line goes, the panel stays.
    await show(page, '#/overview?metric=modeled-call-ns&host=off', 'overview');
    const off = await chartOf(page, 'chart-overview-latency');
    assert.deepEqual(
      off.datasets.map((d) => d.label),
      ['sync', 'async-inline'],
    );
    assert.ok(await page.isVisible('#overview-host-ipis'));
    assert.deepEqual(pageErrors, [], 'the page logged errors');
  });

  it('history follows a kernel case in wall-clock, the only figure it has', async () => {
    await show(
      page,
      '#/history?profile=host&protocol=linux&workload=touch&pages=1&cpus=2',
      'history',
    );
    assert.equal(await page.inputValue('#history-metric'), 'wall-p50');
    const chart = await chartOf(page, 'chart-history');
    const kernel = run.cases.find((c) => c.protocol === 'linux' && c.cpus === 2)!;
    assert.deepEqual(
      (chart.datasets[0].data as { x: number; y: number }[]).map((p) => p.y),
      [kernel.wallNs!.p50],
    );
    assert.deepEqual(pageErrors, [], 'the page logged errors');
  });
});

/**
 * The Correctness view names, for each negative control caught on the cooperative engine, the
 * seed that exposes it: the schedule's seed, the command that replays it and the interleaving's
 * steps up to the first violation, collapsed — as the API stores them. Controls are the ones the
 * server's protocol table marks as controls; those caught on the threads engine have no seed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StoredRun } from '../data/stored.js';
import { buildApp } from '../server/app.js';
import { launchChromium, listen, waitReady } from './browser-page.js';
import { seedScaleRun } from './fixtures/seed-cooperative.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
let run: StoredRun;
let controls: string[];

before(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-seeds-')), 'runs.db');
  const id = seedScaleRun(file);
  app = await buildApp({ dbFile: file, logger: false });
  base = await listen(app);
  run = (await (await fetch(`${base}/api/runs/${id}`)).json()) as StoredRun;
  const table = (await (await fetch(`${base}/api/protocols`)).json()) as {
    protocols: { name: string; control: unknown }[];
  };
  controls = table.protocols.filter((p) => p.control !== null).map((p) => p.name);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('each control caught on the cooperative engine is listed with its seed, replay and steps', {
  timeout: 60_000,
}, async () => {
  const caught = run.cases.filter(
    (c) =>
      controls.includes(c.protocol) &&
      c.status !== 'errored' &&
      c.schedule != null &&
      (c.oracle?.ackWindowViolations ?? 0) + (c.oracle?.staleUses ?? 0) > 0,
  );
  assert.ok(caught.length > 0, 'the fixture has controls caught on the cooperative engine');
  const onThreads = run.cases.filter(
    (c) => controls.includes(c.protocol) && c.engine === 'threads' && c.cpus > 1,
  );
  assert.ok(onThreads.length > 0, 'and controls caught on the threads engine');

  await page.goto(`${base}/#/correctness?run=${run.id}`);
  await waitReady(page, 'correctness');
  const rows = page.locator('#control-seeds tbody tr');
  assert.deepEqual(
    (await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')))).sort(),
    caught.map((c) => c.key).sort(),
    'exactly the controls caught on the cooperative engine',
  );
  for (const c of caught) {
    const s = c.schedule!;
    const row = page.locator(`#control-seeds tr[data-key="${c.key}"]`);
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], c.protocol);
    assert.equal(cells[2], String(s.seed), `${c.key}: the seed`);
    assert.equal(cells[3], String(s.depth), `${c.key}: PCT depth`);
    assert.equal(await row.locator('code.replay').textContent(), s.replay, `${c.key}: replay`);
    const steps = row.locator('details.violation-steps');
    assert.equal(await steps.getAttribute('open'), null, 'collapsed');
    assert.equal(
      await steps.locator('summary').textContent(),
      `${s.firstViolationSteps!.length} steps to the first violation`,
    );
    assert.equal(await steps.locator('li').first().isVisible(), false, 'hidden until opened');
    await steps.locator('summary').click();
    assert.deepEqual(await steps.locator('li').allTextContents(), s.firstViolationSteps);
  }
});

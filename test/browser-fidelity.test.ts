/**
 * What validate computed and stored, as the dashboard shows it: the History view plots each
 * commit's fidelity score, and the Validation view shows validate --sensitivity's elasticities
 * under their measurement.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sensitivity } from '../bench/sensitivity.js';
import { loadPublished, type Validation, validate } from '../bench/validate.js';
import { Store } from '../data/store.js';
import type { PointSensitivity, ValidationConfig } from '../data/validation.js';
import { buildApp } from '../server/app.js';
import { chartOf, launchChromium, listen, show } from './browser-page.js';
import { seedDatabase } from './fixtures/seed-db.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
let small: Validation;
let sens: PointSensitivity[];
let fullId: number;
let sensId: number;
const one = { ...loadPublished(), measurements: [loadPublished().measurements[1]] };

before(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-fidelity-')), 'runs.db');
  seedDatabase(file, { cpus: [1, 2, 4] });
  // A real validation, and one of a single measurement with its sensitivity, stored as validate does.
  const full = await validate(loadPublished());
  small = await validate(one);
  sens = await sensitivity(one, small);
  (small.run.config as ValidationConfig).sensitivity = sens;
  const store = Store.open(file);
  fullId = store.insertRun(full.run);
  sensId = store.insertRun(small.run);
  store.close();
  app = await buildApp({ dbFile: file, logger: false });
  base = await listen(app);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

it('History plots the fidelity score validate stored, per commit', {
  timeout: 60_000,
}, async () => {
  await page.goto(base);
  await show(
    page,
    '#/history?protocol=sync&cpus=4&pages=1&workload=madvise&metric=modeled',
    'history',
  );
  const chart = await chartOf(page, 'chart-fidelity');
  // Both validations are of this commit: the panel shows its latest, the single measurement's.
  const score = small.run.config as ValidationConfig;
  assert.deepEqual(
    chart.datasets.map((d) => d.data.at(-1)),
    [score.score!.within, score.score!.of],
  );
  assert.match(
    (await page.textContent('#fidelity-latest')) ?? '',
    new RegExp(`^Latest: ${score.score!.within} of ${score.score!.of} points within tolerance`),
  );
});

it('Validation shows the elasticities under their measurement', { timeout: 60_000 }, async () => {
  await show(page, `#/validation?run=${sensId}`, 'validation');
  const m = one.measurements[0];
  const rows = page.locator(`#sensitivity-${m.id} tbody tr`);
  assert.equal(await rows.count(), sens.length);
  const first = sens[0].costs[0];
  assert.match(
    (await rows.first().textContent()) ?? '',
    new RegExp(`${first.cost}${first.estimate ? '\\*' : ''} [+-]\\d\\.\\d{3}`),
  );
  // The full validation has no sensitivity stored, and shows none.
  await show(page, `#/validation?run=${fullId}`, 'validation');
  assert.equal(await page.locator('.validation-sensitivity').count(), 0);
});

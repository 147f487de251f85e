/**
 * The Case view opens on what means most: modeled cycles, on a linear axis, at the run's largest
 * CPU count (the verdict's last line), and warns only when it shows an oversubscribed wall-clock.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoredRun } from '../data/stored.js';
import { servedDashboard, waitReady } from './browser-page.js';
import { SEED_HOST_CORES, seedDatabase } from './fixtures/seed-db.js';

const dashboard = servedDashboard((file) => seedDatabase(file, { cpus: [1, 2, 4] }));

it('case detail opens on modeled cycles, linear, at the largest CPU count, with no warning', {
  timeout: 60_000,
}, async () => {
  const page = await dashboard.browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${dashboard.base}/#/case`);
  await waitReady(page, 'case');
  assert.equal(await page.inputValue('#case-samples'), 'modeled');
  assert.equal(await page.inputValue('#case-scale'), 'linear');
  const runs = (await (await fetch(`${dashboard.base}/api/runs`)).json()) as {
    runs: { id: number }[];
  };
  const latest = (await (
    await fetch(`${dashboard.base}/api/runs/${Math.max(...runs.runs.map((r) => r.id))}`)
  ).json()) as StoredRun;
  assert.equal(
    Number(await page.inputValue('#case-cpus')),
    Math.max(...latest.cases.map((c) => c.cpus)),
  );
  assert.equal(await page.locator('.note.oversubscribed').count(), 0);

  // Wall-clock of 4 simulated CPUs on the seeded host's cores: said to be the simulator's.
  await page.goto(`${dashboard.base}/#/case?cpus=4&pages=1&workload=madvise&samples=wall`);
  await page.reload();
  await waitReady(page, 'case');
  assert.equal(await page.inputValue('#case-scale'), 'log');
  assert.match(
    (await page.locator('.note.oversubscribed').textContent()) ?? '',
    new RegExp(`^4 CPUs on ${SEED_HOST_CORES} cores: this wall-clock is the simulator's`),
  );
});

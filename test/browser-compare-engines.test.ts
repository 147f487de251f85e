/**
 * The Compare view shows a wall change across engines greyed, in parentheses, with the reason the
 * comparison gives, and does not gate on it: a run at scale against the same cases all on the
 * threads engine, where the cooperative cases' wall-clock is 50 % slower, passes with the wall
 * metric; the cases that stayed on threads are judged as usual.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { CaseRecord, RunRecord } from '../data/run-record.js';
import { Store } from '../data/store.js';
import { buildApp } from '../server/app.js';
import { launchChromium, listen, waitReady } from './browser-page.js';
import { scaleRun } from './fixtures/seed-cooperative.js';

const WALL_SCALE = 1.5;
const REASON = 'engines differ: threads → cooperative';

let app: Awaited<ReturnType<typeof buildApp>>;
let browser: Browser;
let page: Page;
let base: string;
let ids: number[];
let head: RunRecord;

/** The case as the threads engine ran it, a day before, with a third less wall-clock. */
function onThreads(c: CaseRecord): CaseRecord {
  if (c.status === 'errored' || c.engine !== 'cooperative') return c;
  const w = c.wallNs;
  const scale = (x: number) => x / WALL_SCALE;
  return {
    ...c,
    engine: 'threads',
    workers: c.cpus,
    schedule: null,
    wallNs: {
      ...w,
      p50: scale(w.p50),
      p99: scale(w.p99),
      mean: scale(w.mean),
      min: scale(w.min),
      max: scale(w.max),
    },
    samplesNs: c.samplesNs.map(scale),
  };
}

before(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushbench-compare-engines-')), 'runs.db');
  head = scaleRun();
  const baseRun: RunRecord = {
    ...head,
    uuid: `${head.uuid}-threads`,
    commit: {
      ...head.commit!,
      sha: '4'.repeat(40),
      subject: 'the threads engine',
      time: '2026-01-05T10:00:00Z',
    },
    startedAt: '2026-01-05T10:30:00.000Z',
    endedAt: '2026-01-05T10:41:00.000Z',
    // The case that errored at the head is new there, not failed in both.
    cases: head.cases.filter((c) => c.status !== 'errored').map(onThreads),
  };
  const store = Store.open(file);
  ids = [store.insertRun(baseRun), store.insertRun(head)];
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

it('a wall change across engines is greyed with its reason and gates nothing', {
  timeout: 60_000,
}, async () => {
  await page.goto(`${base}/#/compare?base=${ids[0]}&head=${ids[1]}&metric=wall`);
  await waitReady(page, 'compare');
  assert.equal(await page.textContent('#compare-gate'), 'gate: pass');
  const moved = head.cases.filter((c) => c.engine === 'cooperative' && c.status !== 'errored');
  const stayed = head.cases.filter((c) => c.engine === 'threads');
  assert.ok(moved.length > 0 && stayed.length > 0);
  for (const c of moved) {
    const row = page.locator(`#compare-table tr[data-key="${c.key}"]`);
    const cell = row.locator('td.wall-greyed');
    assert.match((await cell.textContent()) ?? '', /^\(\+50\.0+ %\)\*?‡$/, c.key);
    assert.match(
      (await cell.getAttribute('title')) ?? '',
      new RegExp(`${REASON}: shown, not judged`),
    );
    assert.match(
      (await row.locator('td').last().textContent()) ?? '',
      new RegExp(`wall not judged: ${REASON}`),
    );
    assert.equal(await row.getAttribute('class'), 'verdict-same', `${c.key}: not a regression`);
  }
  for (const c of stayed) {
    const row = page.locator(`#compare-table tr[data-key="${c.key}"]`);
    assert.doesNotMatch((await row.textContent()) ?? '', /‡|not judged/, c.key);
  }
});

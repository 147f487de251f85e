/**
 * The History view's fidelity panel: `flushbench validate`'s score per commit, oldest first — the
 * points within their tolerance of all points, as validate computed and stored it with each
 * validation run (data/fidelity.ts). A commit validated more than once shows its latest score.
 */
import { listRuns, type RunSummary } from '../api.js';
import { type AnyChart, axisTitle, make } from '../chart-theme.js';
import { note } from '../controls.js';
import { chartBox, h, panel } from '../dom.js';
import { formatDate, shortSha } from '../format.js';
import { IMPROVEMENT_COLOR, NEUTRAL_COLOR } from '../palette.js';
import type { ViewContext } from '../view-context.js';

/** Validation runs the panel reads, newest first. */
const VALIDATIONS_LIMIT = 200;

type Scored = RunSummary & { fidelity: NonNullable<RunSummary['fidelity']> };

/** One run per commit (its latest), oldest first; runs stored before the score was are left out. */
export function scoresByCommit(runs: readonly RunSummary[]): Scored[] {
  const seen = new Set<string>();
  const out: Scored[] = [];
  for (const r of runs) {
    if (r.fidelity === undefined) continue;
    const commit = r.commitSha ?? `run ${r.id}`;
    if (seen.has(commit)) continue;
    seen.add(commit);
    out.push(r as Scored);
  }
  return out.reverse();
}

function fidelityChart(canvas: HTMLCanvasElement, runs: readonly Scored[]): AnyChart {
  return make(canvas, {
    type: 'line',
    data: {
      labels: runs.map((r) => (r.commitSha ? shortSha(r.commitSha) : `run ${r.id}`)),
      datasets: [
        {
          label: 'points within tolerance',
          data: runs.map((r) => r.fidelity.within),
          borderColor: IMPROVEMENT_COLOR,
          backgroundColor: IMPROVEMENT_COLOR,
          stepped: 'middle',
        },
        {
          label: 'points compared',
          data: runs.map((r) => r.fidelity.of),
          borderColor: NEUTRAL_COLOR,
          backgroundColor: NEUTRAL_COLOR,
          borderDash: [4, 4],
          stepped: 'middle',
        },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: axisTitle('points') },
        x: { title: axisTitle('commit (validation runs, oldest first)') },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

/** The panel, appended to the view; nothing when no validation run is stored. */
export async function appendFidelity(ctx: ViewContext): Promise<void> {
  const runs = scoresByCommit(
    await ctx.guard(listRuns({ suite: 'validate', limit: VALIDATIONS_LIMIT })),
  );
  if (runs.length === 0) return;
  const box = chartBox('chart-fidelity', 'small');
  const last = runs[runs.length - 1];
  ctx.root.append(
    panel(
      `Fidelity — flushbench validate's score over ${runs.length} commit${runs.length === 1 ? '' : 's'}`,
      box.box,
      note(
        h(
          'span',
          { id: 'fidelity-latest' },
          `Latest: ${last.fidelity.within} of ${last.fidelity.of} points within tolerance (${last.commitSha ? shortSha(last.commitSha) : `run ${last.id}`}, ${formatDate(last.startedAt)}). A point is a published ratio, each measurement's baseline aside; validate fails a commit where one left its tolerance or its error grew by more than 2 points.`,
        ),
      ),
    ),
  );
  ctx.track(fidelityChart(box.canvas, runs));
}

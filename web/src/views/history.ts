/**
 * One case's metric over commits, oldest first: where it got dearer, and by which commit. A
 * point the server flags as a regression (compare against the previous point found one) is red
 * and large. Wheel and drag zoom and pan; the range stays in the URL for a shared link. Below,
 * validate's fidelity score per commit (history-fidelity.ts).
 */
import {
  type CaseKind,
  getHistory,
  type HistoryMetric,
  type HistoryPoint,
  type HostProfileName,
  listCases,
} from '../api.js';
import {
  chooseNumber,
  chooseString,
  distinctCpus,
  distinctPages,
  distinctProtocols,
  distinctWorkloads,
} from '../case-slices.js';
import { emptyState, note, paramSelect, toolbar } from '../controls.js';
import { chartBox, h, panel } from '../dom.js';
import {
  formatChangePct,
  formatCycles,
  formatDate,
  formatNs,
  shortSha,
  subjectLine,
} from '../format.js';
import { baselineProtocol } from '../protocols.js';
import { hrefOf, navigate, recordParams, setParams } from '../route.js';
import type { View, ViewContext } from '../view-context.js';
import { historyChart } from './history-chart.js';
import { appendFidelity } from './history-fidelity.js';

const HISTORY_METRICS: readonly {
  id: HistoryMetric;
  label: string;
  axis: string;
  format: (v: number) => string;
}[] = Object.freeze([
  {
    id: 'modeled',
    label: 'modeled cycles (mean)',
    axis: 'modeled cycles per flush, mean (median of the commit’s runs)',
    format: formatCycles,
  },
  {
    id: 'wall-p50',
    label: 'wall p50',
    axis: 'wall-clock per flush, p50 (median of the commit’s runs)',
    format: formatNs,
  },
  {
    id: 'wall-p99',
    label: 'wall p99',
    axis: 'wall-clock per flush, p99 (median of the commit’s runs)',
    format: formatNs,
  },
]);

/** Which overview metric shows what a history metric plots, for the click-through. */
const OVERVIEW_METRIC_OF: Readonly<Record<HistoryMetric, string>> = Object.freeze({
  modeled: 'modeled',
  'wall-p50': 'wall-p50',
  'wall-p99': 'wall-p99',
});

/** The profile the suites use unless told otherwise. */
const DEFAULT_PROFILE = 'xeon-gold-5418y-2s';
/** The profile of this host's kernel cases: measured, so wall-clock is all they have. */
const HOST_PROFILE: HostProfileName = 'host';

/** Commits fetched: a year of daily CI fits; zoom shows any stretch of it. */
const HISTORY_LIMIT = 500;
/** Zoom bounds in the URL are commit positions; two decimals are finer than a pixel. */
const RANGE_DECIMALS = 2;

function rangeFrom(params: URLSearchParams): { min: number; max: number } | null {
  const min = Number(params.get('xmin'));
  const max = Number(params.get('xmax'));
  if (params.get('xmin') === null || params.get('xmax') === null) return null;
  return Number.isFinite(min) && Number.isFinite(max) && max > min ? { min, max } : null;
}

export const historyView: View = {
  name: 'history',
  title: 'History',
  async render(ctx: ViewContext) {
    // The selectors offer every case any run measured, of one profile.
    const kinds = await ctx.guard(listCases());
    if (kinds.length === 0) {
      ctx.root.replaceChildren(emptyState());
      return;
    }
    const profile =
      ctx.params.get('profile') ??
      (kinds.some((k) => k.profile === DEFAULT_PROFILE) ? DEFAULT_PROFILE : kinds[0].profile);
    const ofProfile = kinds.filter((k) => k.profile === profile);
    const metric =
      HISTORY_METRICS.find((m) => m.id === ctx.params.get('metric')) ??
      HISTORY_METRICS.find((m) => m.id === (profile === HOST_PROFILE ? 'wall-p50' : 'modeled'))!;
    // With no case named, the one with the most runs (sync, madvise, most CPUs among equals).
    const richest = mostRuns(ofProfile);
    const protocol = chooseString(
      ctx.params,
      'protocol',
      distinctProtocols(ofProfile),
      richest?.protocol ?? baselineProtocol(),
    );
    const ofProtocol = ofProfile.filter((c) => c.protocol === protocol?.value);
    const workload = chooseString(
      ctx.params,
      'workload',
      distinctWorkloads(ofProtocol),
      richest?.workload ?? 'madvise',
    );
    const ofWorkload = ofProtocol.filter((c) => c.workload === workload?.value);
    const pages = chooseNumber(ctx.params, 'pages', distinctPages(ofWorkload), (a) =>
      richest && a.includes(richest.pages) ? richest.pages : a[0],
    );
    const ofPages = ofWorkload.filter((c) => c.pages === pages?.value);
    const cpus = chooseNumber(ctx.params, 'cpus', distinctCpus(ofPages), (a) =>
      richest && a.includes(richest.cpus) ? richest.cpus : a[a.length - 1],
    );
    if (!protocol || !workload || !pages || !cpus) {
      ctx.root.replaceChildren(note(`No case was measured with profile ${profile}.`, 'note warn'));
      return;
    }
    // A URL may name a case no run has (a typo, a retired protocol): ask for it as written.
    const at = {
      protocol: ctx.params.get('protocol') ?? protocol.value,
      workload: ctx.params.get('workload') ?? workload.value,
      pages: Number(ctx.params.get('pages') ?? pages.value),
      cpus: Number(ctx.params.get('cpus') ?? cpus.value),
    };
    // One branch and one host at a time: by default the default branch and the latest host.
    const query = { ...at, profile, metric: metric.id, limit: HISTORY_LIMIT };
    const asked = { branch: ctx.params.get('branch'), host: ctx.params.get('host') };
    let history = await ctx.guard(getHistory({ ...query, ...defined(asked) }));
    const branch = asked.branch ?? defaultBranch(history.branches);
    const host = asked.host ?? history.hosts[0] ?? null;
    if (branch !== history.branch || host !== history.host) {
      history = await ctx.guard(getHistory({ ...query, ...defined({ branch, host }) }));
    }

    const range = rangeFrom(ctx.params);
    const reset = h(
      'button',
      { type: 'button', id: 'history-reset-zoom', class: 'button', disabled: range === null },
      'Reset zoom',
    );
    const withCurrent = (values: (string | number)[], current: string | number) =>
      values.map(String).includes(String(current)) ? values : [...values, current];
    ctx.root.replaceChildren(
      toolbar(
        paramSelect(
          'history-protocol',
          'Protocol',
          'protocol',
          at.protocol,
          withCurrent(distinctProtocols(ofProfile), at.protocol),
        ),
        paramSelect(
          'history-workload',
          'Workload',
          'workload',
          at.workload,
          withCurrent(distinctWorkloads(ofProtocol), at.workload),
        ),
        paramSelect(
          'history-cpus',
          'CPUs',
          'cpus',
          at.cpus,
          withCurrent(distinctCpus(ofPages), at.cpus),
        ),
        paramSelect(
          'history-pages',
          'Pages',
          'pages',
          at.pages,
          withCurrent(distinctPages(ofWorkload), at.pages),
        ),
        paramSelect(
          'history-metric',
          'Metric',
          'metric',
          metric.id,
          HISTORY_METRICS.map((m) => ({ value: m.id, label: m.label })),
        ),
        branch !== null &&
          paramSelect(
            'history-branch',
            'Branch',
            'branch',
            branch,
            withCurrent(history.branches, branch),
          ),
        host !== null &&
          paramSelect('history-host', 'Host', 'host', host, withCurrent(history.hosts, host)),
        reset,
      ),
    );

    const points = history.points;
    if (points.length === 0) {
      ctx.root.append(note(`No stored run has the case ${history.key}.`, 'note warn'));
      await appendFidelity(ctx);
      return;
    }
    const regressions = points.filter((p) => p.regression);
    const box = chartBox('chart-history', 'tall');
    ctx.root.append(
      panel(
        `${history.key} — ${metric.label} over ${points.length} commit${points.length === 1 ? '' : 's'}`,
        box.box,
        note(
          h(
            'span',
            {},
            regressions.length === 0
              ? 'No regression between consecutive commits. '
              : h(
                  'span',
                  { class: 'bad' },
                  `${regressions.length} regression${regressions.length === 1 ? '' : 's'} (red, large points). `,
                ),
            'Wheel: zoom · drag: pan · shift-drag: zoom to a range · click a point: open that run.',
          ),
        ),
      ),
      panel('Commits', pointsTable(points, metric.format, at)),
    );

    const chart = ctx.track(
      historyChart(box.canvas, {
        points,
        protocol: at.protocol,
        yTitle: metric.axis,
        format: metric.format,
        range,
        onPointClick: (p) =>
          navigate('overview', {
            run: p.runId,
            pages: at.pages,
            workload: at.workload,
            metric: OVERVIEW_METRIC_OF[metric.id],
          }),
        onRangeChange: (r) => {
          recordParams({
            xmin: r ? r.min.toFixed(RANGE_DECIMALS) : null,
            xmax: r ? r.max.toFixed(RANGE_DECIMALS) : null,
          });
          reset.disabled = r === null;
        },
      }),
    );
    reset.addEventListener('click', () => {
      chart.resetZoom();
      setParams({ xmin: null, xmax: null });
    });
    await appendFidelity(ctx);
  },
};

function pointsTable(
  points: readonly HistoryPoint[],
  format: (v: number) => string,
  at: { pages: number; workload: string },
): HTMLTableElement {
  // Newest first, as one reads a log.
  const rows = points
    .map((p, i) => {
      const prev = i > 0 ? points[i - 1].value : null;
      const change =
        prev !== null && p.value !== null && prev !== 0 ? ((p.value - prev) / prev) * 100 : null;
      return h(
        'tr',
        { class: p.regression ? 'row-regression' : '' },
        h('td', {}, h('code', { title: p.commitSha ?? '' }, shortSha(p.commitSha))),
        h('td', { class: 'subject', title: p.commitSubject ?? '' }, subjectLine(p.commitSubject)),
        h('td', {}, p.branch ?? ''),
        h('td', {}, formatDate(p.commitTime ?? p.startedAt)),
        h(
          'td',
          {},
          h(
            'a',
            { href: hrefOf('overview', { run: p.runId, pages: at.pages, workload: at.workload }) },
            `#${p.runId}`,
          ),
        ),
        h(
          'td',
          { class: 'num' },
          p.value === null
            ? '–'
            : p.runs > 1 && p.min !== p.max
              ? `${format(p.value)} (${format(p.min)} – ${format(p.max)})`
              : format(p.value),
        ),
        h('td', { class: 'num' }, String(p.runs)),
        h('td', { class: 'num' }, formatChangePct(change)),
        h('td', {}, p.regression ? h('span', { class: 'chip chip-slower' }, 'regression') : ''),
      );
    })
    .reverse();
  return h(
    'table',
    { class: 'data', id: 'history-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['commit', 'subject', 'branch', 'committed', 'run'].map((t) => h('th', {}, t)),
        h('th', { class: 'num' }, 'value'),
        h('th', { class: 'num', title: 'runs of this commit; the value is their median' }, 'runs'),
        h('th', { class: 'num' }, 'vs previous'),
        h('th', {}, ''),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

/** The case measured by the most runs; among equals sync, then madvise, then the most CPUs. */
function mostRuns(kinds: readonly CaseKind[]): CaseKind | undefined {
  const score = (k: CaseKind) => [
    k.runs,
    k.protocol === baselineProtocol() ? 1 : 0,
    k.workload === 'madvise' ? 1 : 0,
    k.cpus,
  ];
  return [...kinds].sort((a, b) => {
    const [x, y] = [score(a), score(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i] - x[i];
    return 0;
  })[0];
}

/** main, else master, else the branch of the latest run. */
function defaultBranch(branches: readonly string[]): string | null {
  return (
    branches.find((b) => b === 'main') ??
    branches.find((b) => b === 'master') ??
    branches[0] ??
    null
  );
}

/** The filters that are set, for the query. */
function defined(f: { branch: string | null; host: string | null }): {
  branch?: string;
  host?: string;
} {
  return {
    ...(f.branch !== null ? { branch: f.branch } : {}),
    ...(f.host !== null ? { host: f.host } : {}),
  };
}

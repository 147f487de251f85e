/**
 * One point of the grid (cpus, pages, workload) across protocols: percentiles computed from the
 * stored samples, their histogram, and the counters that explain them (IPIs, flushes, misses).
 */
import { type Case, getSamples, getTrace, type Samples } from '../api.js';
import { chooseGridPoint, distinctProtocols, fallbackNotes } from '../case-slices.js';
import {
  gridPointSelects,
  loadRun,
  note,
  paramSelect,
  runHeader,
  runPicker,
  toolbar,
} from '../controls.js';
import { chartBox, h, panel, swatch } from '../dom.js';
import { engineOf, replayCode } from '../engine.js';
import { formatCount, formatCycles, formatNs, formatRme } from '../format.js';
import { FLUSH_PHASES, protocolColor } from '../palette.js';
import { CASE_PERCENTILES, quantileSorted, sharedHistogram, sortedCopy } from '../percentiles.js';
import { hrefOf } from '../route.js';
import { criticalPathPhases } from '../trace-phases.js';
import type { View, ViewContext } from '../view-context.js';
import { breakdownChart, histogramChart, percentilesChart } from './case-detail-chart.js';

interface SampleKind {
  id: 'wall' | 'modeled';
  label: string;
  axis: string;
  pick: (s: Samples) => number[];
  format: (v: number) => string;
}

const SAMPLE_KINDS: readonly SampleKind[] = Object.freeze([
  {
    id: 'wall',
    label: 'wall-clock ns',
    axis: 'wall-clock per flush',
    pick: (s: Samples) => s.samplesNs,
    format: formatNs,
  },
  {
    id: 'modeled',
    label: 'modeled cycles',
    axis: 'modeled cycles per flush',
    pick: (s: Samples) => s.modeledCyclesSamples,
    format: formatCycles,
  },
]);

const DEFAULT_SAMPLES = 'modeled';

/** Enough bins to show a second mode, few enough that 200 modeled samples still fill them. */
const HISTOGRAM_BINS = 40;
/** The histogram's range ends here; the rarer tail is one clipped bin, not an empty axis. */
const HISTOGRAM_CLIP_QUANTILE = 0.995;

/** Counters worth a column, in the order a flush increments them; others stay in the export. */
const COUNTER_COLUMNS = Object.freeze([
  ['ipisSent', 'IPIs sent'],
  ['ipisNotNeeded', 'IPIs not needed'],
  ['csdsHandled', 'csds handled'],
  ['lazySkipped', 'lazy skipped'],
  ['partialFlushes', 'partial flushes'],
  ['fullFlushes', 'full flushes'],
  ['invlpgs', 'invlpg'],
  ['broadcastInvalidations', 'invlpgb'],
  ['tlbHits', 'TLB hits'],
  ['tlbMisses', 'TLB misses'],
  ['pageWalks', 'page walks'],
] as const);

export const caseDetailView: View = {
  name: 'case',
  title: 'Case',
  async render(ctx: ViewContext) {
    const loaded = await loadRun(ctx);
    if (!loaded) return;
    const { runs, run } = loaded;
    // Modeled cycles by default: the metric that scales, which no oversubscribed host bends.
    const kind =
      SAMPLE_KINDS.find((k) => k.id === (ctx.params.get('samples') ?? DEFAULT_SAMPLES)) ??
      SAMPLE_KINDS[0];
    // Wall-clock on a log axis by default: its p99.9 is often 10-100x its p50, which flattens p50
    // on a linear one; modeled cycles stay within a few times of their p50.
    const log = (ctx.params.get('scale') ?? (kind.id === 'wall' ? 'log' : 'linear')) === 'log';
    const point = chooseGridPoint(ctx.params, run.cases);
    const { workload, pages, cpus, ofPages } = point;

    ctx.root.replaceChildren(
      runHeader(run),
      toolbar(
        runPicker(runs, run),
        ...gridPointSelects('case', point),
        paramSelect(
          'case-samples',
          'Samples',
          'samples',
          kind.id,
          SAMPLE_KINDS.map((k) => ({ value: k.id, label: k.label })),
        ),
        paramSelect('case-scale', 'Scale', 'scale', log ? 'log' : 'linear', ['linear', 'log']),
      ),
    );
    for (const text of fallbackNotes({ workload, pages, cpus }))
      ctx.root.append(note(text, 'note warn'));
    // As the cases' verdicts say: more simulated CPUs than the cores they were measured on.
    const oversubscribed =
      cpus != null && ofPages.some((c) => c.cpus === cpus.value && c.verdict.oversubscribed);
    if (kind.id === 'wall' && cpus && oversubscribed) {
      ctx.root.append(
        note(
          `${cpus.value} CPUs on ${run.host.cores} cores: this wall-clock is the simulator's, not hardware-like; modeled cycles are the metric that scales.`,
          'note warn oversubscribed',
        ),
      );
    }
    if (!workload || !pages || !cpus) {
      ctx.root.append(note('This run has no cases.', 'note warn'));
      return;
    }

    const slice = ofPages.filter((c) => c.cpus === cpus.value);
    const cases = distinctProtocols(slice).map((p) => slice.find((c) => c.protocol === p)!);
    const samples = await ctx.guard(Promise.all(cases.map((c) => getSamples(run.id, c.id))));
    const values = samples.map((s) => kind.pick(s));
    const sorted = values.map(sortedCopy);

    const pct = chartBox('chart-case-percentiles', 'tall');
    const hist = chartBox('chart-case-histogram', 'tall');
    const parts = chartBox('chart-case-breakdown', 'tall');
    // Modeled cycles are one figure per flush kind, not a distribution: for them, where the
    // cycles go. Only traced cases have the events to say it.
    const modeled = kind.id === 'modeled';
    const traced = modeled ? cases.filter((c) => c.hasTrace) : [];
    const traces = await ctx.guard(Promise.all(traced.map((c) => getTrace(run.id, c.id))));
    const slug = `${workload.value}, ${cpus.value} CPUs, ${pages.value} page${pages.value === 1 ? '' : 's'}`;
    const links = h(
      'p',
      { class: 'links' },
      h(
        'a',
        {
          href: hrefOf('timeline', {
            run: run.id,
            cpus: cpus.value,
            pages: pages.value,
            workload: workload.value,
          }),
        },
        'timeline of one flush',
      ),
      ' · history: ',
      ...cases.flatMap((c) => [
        h(
          'a',
          {
            href: hrefOf('history', {
              protocol: c.protocol,
              cpus: c.cpus,
              pages: c.pages,
              workload: c.workload,
              profile: c.profile,
            }),
          },
          c.protocol,
        ),
        ' ',
      ]),
    );
    ctx.root.append(
      links,
      h(
        'div',
        { class: 'grid-2' },
        panel(`Percentiles — ${slug}`, pct.box),
        modeled
          ? panel(
              `Where the flush call's cycles go, by phase — ${slug}`,
              traced.length > 0
                ? parts.box
                : note(
                    'No flush of this case was traced in this run (bench traces the cases of a suite at its traced CPU and page count, e.g. 4 CPUs, 1 page in the default suite; or run with --trace).',
                    'note warn',
                  ),
            )
          : panel(`Histogram of the ${kind.label} samples — ${slug}`, hist.box),
      ),
      panel(`Samples — ${kind.label}`, samplesTable(cases, samples, sorted, kind)),
      panel('Counters (totals over the case)', countersTable(cases)),
      panel('How each case was run', engineTable(cases)),
    );

    ctx.track(
      percentilesChart(pct.canvas, {
        labels: CASE_PERCENTILES.map((p) => p.label),
        series: cases.map((c, i) => ({
          protocol: c.protocol,
          values: CASE_PERCENTILES.map((p) => quantileSorted(sorted[i], p.q)),
        })),
        yTitle: kind.axis,
        log,
        format: kind.format,
      }),
    );
    if (modeled) {
      if (traced.length > 0) {
        const sums = traces.map(criticalPathPhases);
        ctx.track(
          breakdownChart(parts.canvas, {
            protocols: traced.map((c) => c.protocol),
            phases: FLUSH_PHASES.filter((p) => sums.some((s) => (s.get(p.id) ?? 0) > 0)).map(
              (p) => ({ ...p, cycles: sums.map((s) => s.get(p.id) ?? 0) }),
            ),
          }),
        );
      }
      return;
    }
    const bins = sharedHistogram(values, HISTOGRAM_BINS, HISTOGRAM_CLIP_QUANTILE);
    ctx.track(
      histogramChart(hist.canvas, {
        edges: bins.edges,
        log: bins.log,
        series: cases.map((c, i) => ({ protocol: c.protocol, counts: bins.counts[i] })),
        clippedAt: bins.clippedAt,
        xTitle: kind.axis,
        format: kind.format,
      }),
    );
  },
};

function samplesTable(
  cases: readonly Case[],
  samples: readonly Samples[],
  sorted: readonly Float64Array[],
  kind: SampleKind,
): HTMLTableElement {
  const head = [
    'protocol',
    kind.id === 'wall' ? 'samples (stored / taken)' : 'samples',
    'min',
    ...CASE_PERCENTILES.map((p) => p.label),
    'max',
    'mean',
    'rme',
    'status',
  ];
  const rows = cases.map((c, i) => {
    const s = sorted[i];
    const mean = s.length > 0 ? s.reduce((a, b) => a + b, 0) / s.length : null;
    const stored = kind.pick(samples[i]).length;
    return h(
      'tr',
      {},
      h('td', {}, swatch(protocolColor(c.protocol)), c.protocol),
      // The API's count before thinning is the wall-clock one; modeled samples are a set of their own.
      h(
        'td',
        { class: 'num' },
        kind.id === 'wall'
          ? `${formatCount(stored)} / ${formatCount(samples[i].total)}`
          : formatCount(stored),
      ),
      h('td', { class: 'num' }, s.length ? kind.format(s[0]) : '–'),
      ...CASE_PERCENTILES.map((p) => {
        const v = quantileSorted(s, p.q);
        return h('td', { class: 'num' }, v === null ? '–' : kind.format(v));
      }),
      h('td', { class: 'num' }, s.length ? kind.format(s[s.length - 1]) : '–'),
      h('td', { class: 'num' }, mean === null ? '–' : kind.format(mean)),
      h('td', { class: 'num' }, kind.id === 'wall' ? formatRme(c.wallNs?.rme) : '–'),
      h(
        'td',
        { class: c.status === 'completed' ? 'muted' : 'bad', title: c.error?.message ?? '' },
        c.status === 'errored' ? `errored: ${c.error?.code ?? ''}` : c.status,
      ),
    );
  });
  return h(
    'table',
    { class: 'data', id: 'case-samples-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...head.map((t, i) => h('th', { class: i > 0 && i < head.length - 1 ? 'num' : '' }, t)),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

function countersTable(cases: readonly Case[]): HTMLTableElement {
  const present = COUNTER_COLUMNS.filter(([k]) => cases.some((c) => (c.counters?.[k] ?? 0) > 0));
  return h(
    'table',
    { class: 'data' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'protocol'),
        h('th', { class: 'num' }, 'modeled p50'),
        h('th', { class: 'num' }, 'remote handler mean'),
        ...present.map(([, label]) => h('th', { class: 'num' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      ...cases.map((c) =>
        h(
          'tr',
          {},
          h('td', {}, swatch(protocolColor(c.protocol)), c.protocol),
          h('td', { class: 'num' }, formatCycles(c.modeledCycles?.p50)),
          h('td', { class: 'num' }, formatCycles(c.modeledCycles?.remoteHandlerMean)),
          ...present.map(([k]) => h('td', { class: 'num' }, formatCount(c.counters?.[k]))),
        ),
      ),
    ),
  );
}

/**
 * The engine of each case, its worker threads and, on the cooperative engine, the PCT schedule:
 * seed, depth, steps and the command that replays it.
 */
function engineTable(cases: readonly Case[]): HTMLTableElement {
  const head = ['protocol', 'engine', 'workers', 'schedule seed', 'PCT depth', 'steps', 'replay'];
  return h(
    'table',
    { class: 'data', id: 'case-engine-table' },
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...cases.map((c) => {
        const s = c.schedule ?? null;
        return h(
          'tr',
          { 'data-protocol': c.protocol, 'data-engine': engineOf(c) ?? '' },
          h('td', {}, swatch(protocolColor(c.protocol)), c.protocol),
          h('td', {}, engineOf(c) ?? 'none (measured on this host)'),
          h('td', { class: 'num' }, c.workers === undefined ? '–' : String(c.workers)),
          h('td', { class: 'num' }, s ? String(s.seed) : '–'),
          h('td', { class: 'num' }, s ? String(s.depth) : '–'),
          h('td', { class: 'num' }, s ? formatCount(s.steps) : '–'),
          h('td', {}, s ? replayCode(s) : '–'),
        );
      }),
    ),
  );
}

/**
 * Two runs case by case, the way CI gates a pull request: modeled cycles against a threshold,
 * wall-clock by a Holm-adjusted Mann–Whitney test. Base and head are refs the server resolves —
 * a run id, a commit sha prefix or a branch; empty means its defaults (head: the latest run,
 * base: the latest run of another commit).
 */
import {
  type CaseComparison,
  type CompareMetric,
  type CompareSide,
  type Comparison,
  compare,
  listRuns,
  type Verdict,
  type WallComparison,
  type WallVerdict,
} from '../api.js';
import {
  emptyState,
  note,
  RUN_PICKER_LIMIT,
  runOptions,
  selectControl,
  toolbar,
} from '../controls.js';
import { chartBox, h, panel } from '../dom.js';
import {
  formatChangePct,
  formatCycles,
  formatNs,
  formatP,
  shortSha,
  subjectLine,
} from '../format.js';
import { IMPROVEMENT_COLOR, INK_COLOR, NEUTRAL_COLOR, REGRESSION_COLOR } from '../palette.js';
import { hrefOf, navigate, withParams } from '../route.js';
import type { View, ViewContext } from '../view-context.js';
import { changeChart } from './compare-chart.js';

const COMPARE_METRICS: readonly { id: CompareMetric; label: string }[] = Object.freeze([
  { id: 'modeled', label: 'modeled cycles' },
  { id: 'wall', label: 'wall-clock' },
  { id: 'both', label: 'both' },
]);

/** Worst first: what a reviewer must look at leads the table. */
const VERDICT_ORDER: readonly Verdict[] = Object.freeze([
  'slower',
  'failed',
  'faster',
  'new',
  'missing',
  'same',
]);

const VERDICT_LABEL_COLOR: Readonly<Record<Verdict, string>> = Object.freeze({
  slower: REGRESSION_COLOR,
  failed: REGRESSION_COLOR,
  faster: IMPROVEMENT_COLOR,
  new: INK_COLOR,
  missing: INK_COLOR,
  same: '#4a5163',
});

/** Reads the URL's refs and options; anything absent is left to the server's defaults. */
function queryOf(params: URLSearchParams) {
  const num = (k: string) => {
    const v = params.get(k);
    return v === null || v === '' ? undefined : Number(v);
  };
  return {
    base: params.get('base') || undefined,
    head: params.get('head') || undefined,
    // Passed as written: the server's 400 names a bad value better than a silent default would.
    metric: (params.get('metric') || undefined) as CompareMetric | undefined,
    threshold: num('threshold'),
    alpha: num('alpha'),
  };
}

/** "madvise/sync/cpus=4/pages=1/profile" → "sync 4c 1p madvise", short enough to rotate. */
function shortKey(key: string): string {
  const [workload, protocol, cpus, pages] = key.split('/');
  return `${protocol} ${cpus?.replace('cpus=', '')}c ${pages?.replace('pages=', '')}p ${workload}`;
}

function sideLabel(s: CompareSide): string {
  return `#${s.id} ${s.commit ? shortSha(s.commit) : '(no commit)'}`;
}

export const compareView: View = {
  name: 'compare',
  title: 'Compare',
  async render(ctx: ViewContext) {
    const runs = await ctx.guard(listRuns({ limit: RUN_PICKER_LIMIT }));
    if (runs.length === 0) {
      ctx.root.replaceChildren(emptyState());
      return;
    }
    const q = queryOf(ctx.params);
    ctx.root.replaceChildren(compareForm(ctx.params, runs));
    // One run and no refs: nothing to compare yet — said as the CLI says it, not as an error.
    if (runs.length === 1 && q.base === undefined && q.head === undefined) {
      ctx.root.append(
        h(
          'section',
          { class: 'panel empty-state', id: 'compare-nothing-yet' },
          h('h2', {}, 'Nothing to compare yet'),
          h(
            'p',
            {},
            `Run #${runs[0].id} is the only run stored. Bench again (or bench another commit), then compare.`,
          ),
        ),
      );
      return;
    }
    const result = await ctx.guard(compare(q));
    const rows = [...result.cases].sort(
      (a, b) => VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict),
    );
    // Every case with a figure on both sides, in the metrics compared.
    const withWall = result.metric !== 'modeled';
    const charted = result.cases.filter((c) => c.modeled !== null || (withWall && c.wall !== null));
    const box = chartBox('chart-compare', 'tall');
    ctx.root.append(
      summary(result),
      panel(
        `Change per case, head ${sideLabel(result.head)} against base ${sideLabel(result.base)}`,
        charted.length > 0 ? box.box : note('No case has a figure on both sides.', 'note warn'),
      ),
      panel(`Cases (${result.cases.length})`, compareTable(rows, result)),
    );
    if (charted.length === 0) return;
    const colour = (v: Verdict | WallVerdict | undefined) =>
      v === 'slower' ? REGRESSION_COLOR : v === 'faster' ? IMPROVEMENT_COLOR : NEUTRAL_COLOR;
    const series = [
      {
        label: 'modeled cycles (mean)',
        changes: charted.map((c) => c.modeled?.changePct ?? null),
        colors: charted.map((c) => colour(c.modeled?.verdict)),
      },
      ...(withWall
        ? [
            {
              label: 'wall p50',
              changes: charted.map((c) => c.wall?.changePct ?? null),
              colors: charted.map((c) => colour(c.wall?.verdict)),
            },
          ]
        : []),
    ];
    ctx.track(
      changeChart(box.canvas, {
        labels: charted.map(
          (c) =>
            `${c.verdict === 'slower' ? '▲ ' : c.verdict === 'faster' ? '▼ ' : ''}${shortKey(c.key)}`,
        ),
        keys: charted.map((c) => c.key),
        labelColors: charted.map((c) => VERDICT_LABEL_COLOR[c.verdict]),
        series,
        thresholdPct: result.modeledThresholdPct,
      }),
    );
  },
};

function compareForm(
  params: URLSearchParams,
  runs: Parameters<typeof runOptions>[0],
): HTMLFormElement {
  const refInput = (id: string, value: string | null, placeholder: string) =>
    h('input', {
      type: 'text',
      id,
      name: id,
      value: value ?? '',
      placeholder,
      spellcheck: 'false',
      autocomplete: 'off',
    });
  const base = refInput('compare-base', params.get('base'), 'latest run of another commit');
  const head = refInput('compare-head', params.get('head'), 'latest run');
  const pick = (id: string, target: HTMLInputElement) =>
    selectControl({
      id,
      label: 'or pick',
      value: '',
      options: [{ value: '', label: '— a run —' }, ...runOptions(runs)],
      onChange: (v) => {
        target.value = v;
      },
    });
  const metric = h('select', { id: 'compare-metric', name: 'metric' });
  for (const m of COMPARE_METRICS) {
    metric.appendChild(
      h('option', { value: m.id, selected: m.id === (params.get('metric') ?? 'modeled') }, m.label),
    );
  }
  const threshold = h('input', {
    type: 'number',
    id: 'compare-threshold',
    min: '0',
    step: 'any',
    value: params.get('threshold') ?? '',
    placeholder: 'default',
  });
  const alpha = h('input', {
    type: 'number',
    id: 'compare-alpha',
    min: '0',
    max: '1',
    step: 'any',
    value: params.get('alpha') ?? '',
    placeholder: 'default',
  });
  const form = h(
    'form',
    { class: 'compare-form', id: 'compare-form' },
    toolbar(
      h('label', { class: 'control' }, h('span', {}, 'Base (run id, sha or branch)'), base),
      pick('compare-base-run', base),
      h('label', { class: 'control' }, h('span', {}, 'Head'), head),
      pick('compare-head-run', head),
    ),
    toolbar(
      h('label', { class: 'control' }, h('span', {}, 'Metric'), metric),
      h('label', { class: 'control' }, h('span', {}, 'Threshold %'), threshold),
      h('label', { class: 'control' }, h('span', {}, 'α (wall)'), alpha),
      h('button', { type: 'submit', class: 'button primary', id: 'compare-submit' }, 'Compare'),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate(
      'compare',
      withParams(new URLSearchParams(), {
        base: base.value.trim(),
        head: head.value.trim(),
        metric: metric.value === 'modeled' ? null : metric.value,
        threshold: threshold.value,
        alpha: alpha.value,
      }),
    );
  });
  return form;
}

function side(title: string, s: CompareSide): HTMLElement {
  return h(
    'div',
    { class: 'side' },
    h('div', { class: 'side-title' }, title),
    h(
      'div',
      {},
      h('a', { href: hrefOf('overview', { run: s.id }) }, `run #${s.id}`),
      ' ',
      h('code', {}, s.commit ? shortSha(s.commit) : '(no commit)'),
      s.branch ? h('span', { class: 'tag' }, s.branch) : null,
    ),
    h('div', { class: 'subject', title: s.subject ?? '' }, subjectLine(s.subject)),
  );
}

function summary(c: Comparison): HTMLElement {
  return h(
    'div',
    { class: 'compare-summary', id: 'compare-summary' },
    side('base', c.base),
    h('div', { class: 'arrow' }, '→'),
    side('head', c.head),
    h(
      'div',
      { class: 'verdicts' },
      h(
        'span',
        { class: c.regressions > 0 ? 'chip chip-slower' : 'chip' },
        `${c.regressions} slower`,
      ),
      h(
        'span',
        { class: c.improvements > 0 ? 'chip chip-faster' : 'chip' },
        `${c.improvements} faster`,
      ),
      h(
        'span',
        { class: c.failed ? 'gate gate-fail' : 'gate gate-pass', id: 'compare-gate' },
        c.failed ? 'gate: FAIL' : 'gate: pass',
      ),
      h(
        'div',
        { class: 'muted small' },
        `metric ${c.metric}; thresholds modeled ${c.modeledThresholdPct} %, wall ${c.wallThresholdPct} %; α ${c.alpha} (Holm-adjusted)`,
      ),
      c.sameCommit
        ? h(
            'div',
            { class: 'note', id: 'compare-same-commit' },
            `Runs #${c.base.id} and #${c.head.id} share a commit: the code did not change, so what differs between them is noise.`,
          )
        : null,
    ),
  );
}

/** Why a wall change is greyed, each with the mark the CLI's footnotes use. */
function wallReasons(w: WallComparison | null, c: Comparison): { mark: string; text: string }[] {
  if (w === null) return [];
  // A noisy run (bench's noise check, stored with it) puts every wall change in parentheses.
  const noisy = [c.base, c.head].flatMap((side) =>
    side.noisy !== null
      ? [{ mark: '†', text: `run #${side.id} was noisy (${side.noisy}): wall-clock not judged` }]
      : [],
  );
  return [
    ...(w.oversubscribed
      ? [
          {
            mark: '*',
            text: "more simulated CPUs than the measuring machines' cores: the simulator's wall-clock, not hardware-like",
          },
        ]
      : []),
    ...(w.unjudgedReason !== undefined
      ? [{ mark: '‡', text: `${w.unjudgedReason}: shown, not judged` }]
      : []),
    ...noisy,
  ];
}

function compareTable(rows: readonly CaseComparison[], c: Comparison): HTMLTableElement {
  const num = (v: string) => h('td', { class: 'num' }, v);
  const changeCell = (pct: number | undefined, verdict: Verdict | WallVerdict | undefined) =>
    h(
      'td',
      { class: `num ${verdict === 'slower' ? 'bad' : verdict === 'faster' ? 'good' : ''}` },
      formatChangePct(pct),
    );
  // Greyed and in parentheses, never bare, with the reasons the comparison gives.
  const wallChangeCell = (w: WallComparison | null) => {
    const reasons = wallReasons(w, c);
    if (w === null || reasons.length === 0) return changeCell(w?.changePct, w?.verdict);
    return h(
      'td',
      { class: 'num muted wall-greyed', title: reasons.map((r) => r.text).join('; ') },
      `(${formatChangePct(w.changePct)})${[...new Set(reasons.map((r) => r.mark))].join('')}`,
    );
  };
  return h(
    'table',
    { class: 'data compare-table', id: 'compare-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { rowspan: 2 }, 'case'),
        h('th', { rowspan: 2 }, 'verdict'),
        h('th', { colspan: 4, class: 'group' }, `modeled cycles (±${c.modeledThresholdPct} %)`),
        h(
          'th',
          { colspan: 6, class: 'group' },
          `wall-clock p50 (±${c.wallThresholdPct} %, α ${c.alpha})`,
        ),
        h('th', { rowspan: 2 }, 'note'),
      ),
      h(
        'tr',
        {},
        ...[
          'base',
          'head',
          'change',
          'verdict',
          'base',
          'head',
          'change',
          'p',
          'p (Holm)',
          'verdict',
        ].map((t) => h('th', { class: 'num' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          { class: `verdict-${r.verdict}`, 'data-key': r.key },
          h('td', { class: 'key' }, r.key),
          h('td', {}, h('span', { class: `chip chip-${r.verdict}` }, r.verdict)),
          num(formatCycles(r.modeled?.base)),
          num(formatCycles(r.modeled?.head)),
          changeCell(r.modeled?.changePct, r.modeled?.verdict),
          num(r.modeled?.verdict ?? '–'),
          num(formatNs(r.wall?.base)),
          num(formatNs(r.wall?.head)),
          wallChangeCell(r.wall),
          num(formatP(r.wall?.p)),
          num(formatP(r.wall?.pAdjusted)),
          num(r.wall?.verdict ?? '–'),
          h(
            'td',
            { class: 'muted' },
            [r.note, r.wall?.unjudgedReason && `wall not judged: ${r.wall.unjudgedReason}`]
              .filter(Boolean)
              .join('; '),
          ),
        ),
      ),
    ),
  );
}

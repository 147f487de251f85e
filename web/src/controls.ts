/**
 * The controls and headers several views share: labelled selectors, the run picker, the header
 * that says which run is on screen, and the empty-database message.
 */
import { EXPORT_FORMATS, exportUrl, getRun, listRuns, type Run, type RunSummary } from './api.js';
import {
  type Coordinates,
  distinctCpus,
  distinctPages,
  distinctWorkloads,
  type GridPoint,
} from './case-slices.js';
import { h } from './dom.js';
import { formatDate, shortSha, subjectLine } from './format.js';
import { setParams } from './route.js';
import type { ViewContext } from './view-context.js';

/** How many runs the pickers list: a few weeks of CI; older runs stay reachable by id in the URL. */
export const RUN_PICKER_LIMIT = 100;

/** The command that makes the first run, shown when the database is empty. */
export const FIRST_RUN_COMMAND = 'npm run bench';

export interface Option {
  value: string;
  label?: string;
}

export function selectControl(opts: {
  id: string;
  label: string;
  value: string;
  options: readonly Option[];
  onChange: (value: string) => void;
  title?: string;
}): HTMLLabelElement {
  const select = h('select', { id: opts.id, name: opts.id, title: opts.title });
  for (const o of opts.options) {
    select.appendChild(
      h('option', { value: o.value, selected: o.value === opts.value }, o.label ?? o.value),
    );
  }
  select.value = opts.value;
  select.addEventListener('change', () => opts.onChange(select.value));
  return h('label', { class: 'control' }, h('span', {}, opts.label), select);
}

/** A selector bound to one URL parameter: changing it re-renders the view with the new value. */
export function paramSelect(
  id: string,
  label: string,
  param: string,
  value: string | number,
  options: readonly (Option | string | number)[],
): HTMLLabelElement {
  return selectControl({
    id,
    label,
    value: String(value),
    options: options.map((o) => (typeof o === 'object' ? o : { value: String(o) })),
    onChange: (v) => setParams({ [param]: v }),
  });
}

/** The CPUs, pages and workload selectors of a grid point, their ids prefixed by the view. */
export function gridPointSelects(
  prefix: string,
  p: GridPoint<Coordinates>,
): (HTMLLabelElement | null)[] {
  return [
    p.cpus && paramSelect(`${prefix}-cpus`, 'CPUs', 'cpus', p.cpus.value, distinctCpus(p.ofPages)),
    p.pages &&
      paramSelect(`${prefix}-pages`, 'Pages', 'pages', p.pages.value, distinctPages(p.ofWorkload)),
    p.workload &&
      paramSelect(
        `${prefix}-workload`,
        'Workload',
        'workload',
        p.workload.value,
        distinctWorkloads(p.cases),
      ),
  ];
}

export function toolbar(...controls: (Node | null | false)[]): HTMLDivElement {
  return h('div', { class: 'toolbar' }, ...controls);
}

export function runLabel(r: RunSummary): string {
  const when = formatDate(r.startedAt);
  const what = r.commitSha ? `${shortSha(r.commitSha)} ${r.commitSubject ?? ''}` : '(no commit)';
  const branch = r.branch ? ` [${r.branch}]` : '';
  return `#${r.id} ${when} ${what.slice(0, 60)}${branch}${r.dirty ? ' (dirty)' : ''}`;
}

export function runOptions(runs: readonly RunSummary[]): Option[] {
  return runs.map((r) => ({ value: String(r.id), label: runLabel(r) }));
}

export function runPicker(runs: readonly RunSummary[], run: Run): HTMLLabelElement {
  const options = runOptions(runs);
  // A run older than the picker's window (opened from a link) still shows as selected.
  if (!runs.some((r) => r.id === run.id)) {
    options.push({ value: String(run.id), label: `#${run.id} ${formatDate(run.startedAt)}` });
  }
  return paramSelect('run-picker', 'Run', 'run', run.id, options);
}

export function emptyState(): HTMLElement {
  return h(
    'section',
    { class: 'panel empty-state', id: 'empty-state' },
    h('h2', {}, 'No benchmark runs stored yet'),
    h('p', {}, 'The database has no runs. Make the first one from the repository:'),
    h('pre', {}, h('code', {}, FIRST_RUN_COMMAND)),
    h('p', { class: 'muted' }, 'Then reload this page.'),
  );
}

/**
 * The run a run-based view shows: `?run=` or else the latest. Resolves to null (having drawn
 * the empty-database message) when there is no run at all; a missing run id is the server's
 * 404, which the caller lets reach the error banner.
 */
/** The suite of `flushbench validate`'s runs (data/run-record.ts). */
export const VALIDATION_SUITE = 'validate';

export async function loadRun(
  ctx: ViewContext,
  /** Which runs the view can show: without ?run=, the latest such (else the latest bench run). */
  shows: (r: RunSummary) => boolean = () => true,
): Promise<{ runs: RunSummary[]; run: Run } | null> {
  const wanted = ctx.params.get('run');
  const runsP = listRuns({ limit: RUN_PICKER_LIMIT });
  if (wanted !== null) {
    const id = Number(wanted);
    if (!Number.isInteger(id) || id < 1) {
      throw new RangeError(`run must be a positive integer run id (got ${JSON.stringify(wanted)})`);
    }
    const [runs, run] = await ctx.guard(Promise.all([runsP, getRun(id)]));
    return { runs, run };
  }
  const runs = await ctx.guard(runsP);
  if (runs.length === 0) {
    ctx.root.replaceChildren(emptyState());
    return null;
  }
  // A validation run (flushbench validate) has its own view: the others open the latest bench run.
  const bench = runs.filter((r) => r.suite !== VALIDATION_SUITE);
  const latest = bench.find(shows) ?? bench[0] ?? runs[0];
  return { runs, run: await ctx.guard(getRun(latest.id)) };
}

/** Which run is on screen: commit, machine and how to take it away as a file. */
export function runHeader(run: Run): HTMLElement {
  const c = run.commit;
  const failures = run.cases.filter((x) => x.status === 'errored').length;
  return h(
    'div',
    { class: 'run-header', id: 'run-header' },
    h(
      'div',
      { class: 'run-title' },
      h('span', { class: 'run-id' }, `Run #${run.id}`),
      c
        ? h(
            'span',
            { class: 'commit' },
            h('code', { title: c.sha }, shortSha(c.sha)),
            ' ',
            h('span', { class: 'subject', title: c.subject }, subjectLine(c.subject)),
            c.branch ? h('span', { class: 'tag' }, c.branch) : null,
            c.dirty
              ? h('span', { class: 'tag tag-warn', title: 'uncommitted changes' }, 'dirty')
              : null,
          )
        : h('span', { class: 'commit muted' }, 'no commit recorded'),
    ),
    h(
      'div',
      { class: 'run-meta' },
      h('span', {}, `${formatDate(run.startedAt)}`),
      h('span', {}, `${run.host.cpuModel}, ${run.host.cores} cores`),
      h('span', {}, `${run.host.os}, node ${run.host.nodeVersion}`),
      h('span', {}, `suite ${run.suite} · profile ${run.profile}`),
      h(
        'span',
        { class: failures > 0 ? 'bad' : '' },
        `${run.cases.length} cases${failures > 0 ? `, ${failures} errored` : ''}`,
      ),
      h(
        'span',
        { class: 'exports' },
        'export ',
        ...EXPORT_FORMATS.flatMap((f) => [
          h(
            'a',
            {
              href: exportUrl(run.id, f),
              download: `flushbench-run-${run.id}.${f === 'bmf' || f === 'gab' ? `${f}.json` : f}`,
            },
            f,
          ),
          ' ',
        ]),
      ),
    ),
  );
}

export function note(text: string | Node, cls = 'note'): HTMLParagraphElement {
  return h('p', { class: cls }, text);
}

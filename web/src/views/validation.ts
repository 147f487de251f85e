/**
 * The model against published measurements (`flushbench validate`): per measurement, each
 * point's time as a ratio to the first (baseline) point, published beside modeled, and the table
 * with the absolute figures. The verdict first: how many ratios are within the file's tolerance.
 */
import {
  getRun,
  listRuns,
  type PointSensitivity,
  type Run,
  type ValidationConfig,
  type ValidationRow,
} from '../api.js';
import { runHeader, VALIDATION_SUITE } from '../controls.js';
import { chartBox, h, swatch } from '../dom.js';
import { protocolColor } from '../palette.js';
import type { View, ViewContext } from '../view-context.js';
import { validationChart } from './validation-chart.js';

const VALIDATE_COMMAND = 'npx flushbench validate';

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

function emptyValidation(): HTMLElement {
  return h(
    'section',
    { class: 'panel empty-state', id: 'validation-empty' },
    h('h2', {}, 'No validation stored yet'),
    h('p', {}, 'Compare the model with published measurements from the repository:'),
    h('pre', {}, h('code', {}, VALIDATE_COMMAND)),
    h('p', { class: 'muted' }, 'Then reload this page.'),
  );
}

async function loadValidation(ctx: ViewContext): Promise<Run | null> {
  const wanted = ctx.params.get('run');
  if (wanted !== null) {
    const id = Number(wanted);
    if (!Number.isInteger(id) || id < 1) {
      throw new RangeError(`run must be a positive integer run id (got ${JSON.stringify(wanted)})`);
    }
    return ctx.guard(getRun(id));
  }
  const [latest] = await ctx.guard(listRuns({ suite: VALIDATION_SUITE, limit: 1 }));
  return latest ? ctx.guard(getRun(latest.id)) : null;
}

function verdict(config: ValidationConfig): HTMLElement {
  const misses = config.rows.filter((r) => !r.withinTolerance);
  const tol = `±${Math.round(config.tolerance * 100)} %`;
  const score = config.score;
  return h(
    'div',
    {
      class: `banner ${misses.length === 0 ? 'control-caught' : 'control-partial'}`,
      id: 'validation-verdict',
      'data-misses': String(misses.length),
    },
    h(
      'strong',
      {},
      score === undefined
        ? `${misses.length} of ${config.rows.length} ratios outside ${tol} of the published ones (a validation stored before its score was)`
        : `${score.within} of ${score.of} points within ${tol} of the published ratios (each measurement's baseline aside)`,
    ),
    h(
      'div',
      {},
      misses.length === 0
        ? 'Every ratio between protocols that the model produces is within the tolerance the measurement file states.'
        : `Missed: ${misses.map((r) => `${pointLabel(r)} in ${r.measurement} (${pct(r.ratioError)})`).join('; ')}.`,
    ),
  );
}

/** A point as the table and the chart name it: the protocol, with its CPUs and pages. */
export function pointLabel(r: Pick<ValidationRow, 'protocol' | 'cpus' | 'pages'>): string {
  return `${r.protocol}, ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}, ${r.pages} page${r.pages === 1 ? '' : 's'}`;
}

function rowsTable(rows: readonly ValidationRow[], unit: string): HTMLElement {
  return h(
    'table',
    { class: 'data validation-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'point'),
        h('th', { class: 'num' }, 'published'),
        h('th', { class: 'num' }, 'modeled'),
        h('th', { class: 'num' }, 'published ratio'),
        h('th', { class: 'num' }, 'modeled ratio'),
        h('th', { class: 'num' }, 'ratio off by'),
        h('th', {}, ''),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r, i) =>
        h(
          'tr',
          { 'data-protocol': r.protocol },
          h('td', {}, swatch(protocolColor(r.protocol)), pointLabel(r)),
          h('td', { class: 'num' }, `${Math.round(r.published)} ${unit}`),
          h('td', { class: 'num' }, `${Math.round(r.modeled)} ${unit}`),
          h('td', { class: 'num' }, r.publishedRatio.toFixed(3)),
          h('td', { class: 'num' }, r.modeledRatio.toFixed(3)),
          h('td', { class: 'num' }, pct(r.ratioError)),
          i === 0
            ? h('td', { class: 'muted' }, 'baseline')
            : h(
                'td',
                { class: r.withinTolerance ? 'good' : 'bad strong' },
                r.withinTolerance ? '✓' : '✗ miss',
              ),
        ),
      ),
    ),
  );
}

/** validate --sensitivity's figures for one measurement: per point, the costs it leans on. */
function sensitivityTable(points: readonly PointSensitivity[], id: string): HTMLElement {
  return h(
    'table',
    { class: 'data validation-sensitivity', id: `sensitivity-${id}` },
    h(
      'caption',
      {},
      'Sensitivity: the % change of the modeled ratio per % change of a cost (the three largest; * an estimate)',
    ),
    h('thead', {}, h('tr', {}, h('th', {}, 'point'), h('th', {}, 'costs it depends on most'))),
    h(
      'tbody',
      {},
      ...points.map((p) =>
        h(
          'tr',
          {},
          h('td', {}, pointLabel(p)),
          h(
            'td',
            {},
            p.costs.length === 0
              ? 'no cost moves it'
              : p.costs
                  .map(
                    (c) =>
                      `${c.cost}${c.estimate ? '*' : ''} ${c.elasticity >= 0 ? '+' : ''}${c.elasticity.toFixed(3)}`,
                  )
                  .join(', '),
          ),
        ),
      ),
    ),
  );
}

export const validationView: View = {
  name: 'validation',
  title: 'Validation',
  async render(ctx: ViewContext) {
    const run = await loadValidation(ctx);
    if (!run) {
      ctx.root.replaceChildren(emptyValidation());
      return;
    }
    if (run.suite !== VALIDATION_SUITE) {
      throw new RangeError(
        `run ${run.id} is a ${run.suite} run, not a validation (${VALIDATE_COMMAND} makes one)`,
      );
    }
    const config = run.config as unknown as ValidationConfig;
    // Stored only by validate --sensitivity.
    const sens = config.sensitivity ?? [];
    const charts: { canvas: HTMLCanvasElement; rows: ValidationRow[] }[] = [];
    const panels = config.measurements.map((m, i) => {
      const rows = config.rows.filter((r) => r.measurement === m.id);
      const chart = chartBox(`chart-validation-${i}`, 'small');
      charts.push({ canvas: chart.canvas, rows });
      return h(
        'section',
        { class: 'panel validation-measurement', id: `validation-${m.id}` },
        h('h2', {}, m.title),
        h(
          'p',
          { class: 'muted' },
          // Validations stored before sources named their authors have none.
          (m.source.authors as string[] | undefined)?.length
            ? `Measured by ${m.source.authors.join(', ')}: `
            : '',
          h('a', { href: m.source.url, rel: 'noreferrer' }, m.source.citation),
          ` — ${m.machine}; ${m.kernel}. Modeled on ${m.profile}, per ${{ iteration: 'iteration', call: 'system call', flush: 'flush call' }[m.metric]}.`,
        ),
        m.note ? h('p', { class: 'muted' }, `Note: ${m.note}`) : '',
        h('blockquote', {}, m.source.quote),
        h('div', { class: 'grid-2' }, chart.box, rowsTable(rows, m.unit)),
        sens.some((x) => x.measurement === m.id)
          ? sensitivityTable(
              sens.filter((x) => x.measurement === m.id),
              m.id,
            )
          : '',
      );
    });
    ctx.root.replaceChildren(runHeader(run), verdict(config), ...panels);
    for (const c of charts) {
      ctx.track(
        validationChart(c.canvas, {
          labels: c.rows.map(pointLabel),
          protocols: c.rows.map((r) => r.protocol),
          published: c.rows.map((r) => r.publishedRatio),
          modeled: c.rows.map((r) => r.modeledRatio),
        }),
      );
    }
  },
};

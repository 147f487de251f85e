/**
 * What the oracle found: every TLB access it checked, stale uses (a CPU used a translation
 * older than a flush that had already returned) and lost writes. Safe protocols must show
 * zero; the negative control, async-unsafe, acknowledges before it flushes and must show
 * violations — if it does not, the oracle is blind and every zero above means nothing.
 */
import type { Case, Run } from '../api.js';
import { distinctProtocols, distinctWorkloads } from '../case-slices.js';
import { correctnessChart } from '../charts.js';
import { loadRun, runHeader, runPicker, toolbar } from '../controls.js';
import { chartBox, h, panel, swatch } from '../dom.js';
import { formatCount } from '../format.js';
import { NEGATIVE_CONTROL, protocolColor } from '../palette.js';
import { hrefOf } from '../route.js';
import type { View, ViewContext } from '../view-context.js';

/** With one CPU there is no remote TLB to hold a stale entry: no protocol can be caught there. */
const MIN_CPUS_TO_CATCH = 2;

function violationsOf(c: Case): number {
  return (c.oracle?.staleUses ?? 0) + (c.oracle?.lostWrites ?? 0);
}

type CaughtState = 'caught' | 'partial' | 'not-caught' | 'absent';

function negativeControl(run: Run): HTMLElement {
  const all = run.cases.filter((c) => c.protocol === NEGATIVE_CONTROL);
  const catchable = all.filter((c) => c.cpus >= MIN_CPUS_TO_CATCH && c.oracle !== null);
  const caught = catchable.filter((c) => violationsOf(c) > 0);
  const missed = catchable.filter((c) => violationsOf(c) === 0);
  let state: CaughtState;
  if (catchable.length === 0) state = 'absent';
  else if (missed.length === 0) state = 'caught';
  else if (caught.length === 0) state = 'not-caught';
  else state = 'partial';
  const stale = all.reduce((s, c) => s + (c.oracle?.staleUses ?? 0), 0);
  const lost = all.reduce((s, c) => s + (c.oracle?.lostWrites ?? 0), 0);
  const missedList = missed.map((c) => c.key).join(', ');
  const text: Record<CaughtState, [string, string]> = {
    caught: [
      `Negative control CAUGHT — ${NEGATIVE_CONTROL} violated in ${caught.length} of ${catchable.length} multi-CPU cases`,
      `${formatCount(stale)} stale uses and ${formatCount(lost)} lost writes: the oracle sees the bug it must see, so the zeros of the safe protocols mean something.`,
    ],
    partial: [
      `Negative control caught in only ${caught.length} of ${catchable.length} multi-CPU cases`,
      `NOT caught in: ${missedList}. Those cases ran too briefly or too calmly for the race to show; their safe-protocol zeros are weaker evidence.`,
    ],
    'not-caught': [
      `NEGATIVE CONTROL NOT CAUGHT — ${NEGATIVE_CONTROL} shows no violation in any of ${catchable.length} multi-CPU cases`,
      'The oracle did not detect a protocol that is broken by construction. Do not trust the safe protocols\u2019 zeros in this run.',
    ],
    absent: [
      `No negative control in this run`,
      `Run a suite that includes ${NEGATIVE_CONTROL} on 2 or more CPUs to check that the oracle can catch a stale TLB entry.`,
    ],
  };
  const [title, detail] = text[state];
  return h(
    'div',
    { class: `banner control-${state}`, id: 'negative-control', 'data-caught': state },
    h('strong', {}, title),
    h('div', {}, detail),
  );
}

function safeProtocols(run: Run): HTMLElement | null {
  const violated = run.cases.filter((c) => c.protocol !== NEGATIVE_CONTROL && violationsOf(c) > 0);
  if (violated.length === 0) return null;
  return h(
    'div',
    { class: 'banner control-not-caught', id: 'safe-violated' },
    h(
      'strong',
      {},
      `SAFE PROTOCOL VIOLATED in ${violated.length} case${violated.length === 1 ? '' : 's'}`,
    ),
    h('div', {}, violated.map((c) => c.key).join(', ')),
  );
}

function verdictCell(protocol: string, cases: readonly Case[]): HTMLElement {
  const checked = cases.filter((c) => c.oracle !== null);
  if (checked.length === 0) return h('td', { class: 'muted' }, 'not checked');
  const violations = checked.reduce((s, c) => s + violationsOf(c), 0);
  if (protocol === NEGATIVE_CONTROL) {
    const catchable = checked.filter((c) => c.cpus >= MIN_CPUS_TO_CATCH);
    if (catchable.length === 0) return h('td', { class: 'muted' }, 'n/a (1 CPU)');
    const missed = catchable.filter((c) => violationsOf(c) === 0).length;
    return missed === 0
      ? h('td', { class: 'good' }, 'caught')
      : h('td', { class: 'bad strong' }, `NOT CAUGHT in ${missed}/${catchable.length}`);
  }
  return violations === 0
    ? h('td', { class: 'good' }, 'safe')
    : h('td', { class: 'bad strong' }, 'VIOLATED');
}

export const correctnessView: View = {
  name: 'correctness',
  title: 'Correctness',
  async render(ctx: ViewContext) {
    const loaded = await loadRun(ctx);
    if (!loaded) return;
    const { runs, run } = loaded;
    const protocols = distinctProtocols(run.cases);
    const workloads = distinctWorkloads(run.cases);
    const groups = protocols.flatMap((p) =>
      workloads
        .map((w) => ({
          protocol: p,
          workload: w,
          cases: run.cases.filter((c) => c.protocol === p && c.workload === w),
        }))
        .filter((g) => g.cases.length > 0),
    );
    const sum = (cases: readonly Case[], pick: (c: Case) => number | undefined) =>
      cases.reduce((s, c) => s + (pick(c) ?? 0), 0);

    const summaryTable = h(
      'table',
      { class: 'data', id: 'correctness-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'protocol'),
          h('th', {}, 'workload'),
          h('th', { class: 'num' }, 'cases'),
          h('th', { class: 'num' }, 'accesses checked'),
          h('th', { class: 'num' }, 'stale uses'),
          h('th', { class: 'num' }, 'lost writes'),
          h('th', {}, 'verdict'),
        ),
      ),
      h(
        'tbody',
        {},
        ...groups.map((g) =>
          h(
            'tr',
            { 'data-protocol': g.protocol, 'data-workload': g.workload },
            h('td', {}, swatch(protocolColor(g.protocol)), g.protocol),
            h('td', {}, g.workload),
            h('td', { class: 'num' }, String(g.cases.length)),
            h('td', { class: 'num' }, formatCount(sum(g.cases, (c) => c.oracle?.checkedAccesses))),
            h('td', { class: 'num' }, formatCount(sum(g.cases, (c) => c.oracle?.staleUses))),
            h('td', { class: 'num' }, formatCount(sum(g.cases, (c) => c.oracle?.lostWrites))),
            verdictCell(g.protocol, g.cases),
          ),
        ),
      ),
    );

    const violatedCases = run.cases.filter((c) => violationsOf(c) > 0);
    const firstViolations = h(
      'table',
      { class: 'data' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['case', 'stale uses', 'lost writes', 'first violation'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        ...violatedCases.map((c) => {
          const v = c.oracle?.firstViolation;
          return h(
            'tr',
            {},
            h(
              'td',
              { class: 'key' },
              h(
                'a',
                {
                  href: hrefOf('timeline', {
                    run: run.id,
                    cpus: c.cpus,
                    pages: c.pages,
                    workload: c.workload,
                  }),
                },
                c.key,
              ),
            ),
            h('td', { class: 'num' }, formatCount(c.oracle?.staleUses)),
            h('td', { class: 'num' }, formatCount(c.oracle?.lostWrites)),
            h(
              'td',
              {},
              v
                ? `${v.kind} on CPU ${v.cpu}, vpn ${v.vpn}: entry gen ${v.entryGen} < flushed gen ${v.flushedGen} — ${v.step}`
                : '–',
            ),
          );
        }),
      ),
    );

    const chart = chartBox('chart-correctness', 'medium');
    ctx.root.replaceChildren(
      runHeader(run),
      toolbar(runPicker(runs, run)),
      negativeControl(run),
      safeProtocols(run) ?? '',
      h(
        'div',
        { class: 'grid-2' },
        panel('Oracle findings per protocol and workload', summaryTable),
        panel('Violations found', chart.box),
      ),
      panel(
        `First violation of each violated case (${violatedCases.length})`,
        violatedCases.length > 0 ? firstViolations : h('p', { class: 'muted' }, 'None.'),
      ),
    );
    ctx.track(
      correctnessChart(chart.canvas, {
        labels: groups.map((g) => `${g.protocol} · ${g.workload}`),
        staleUses: groups.map((g) => sum(g.cases, (c) => c.oracle?.staleUses)),
        lostWrites: groups.map((g) => sum(g.cases, (c) => c.oracle?.lostWrites)),
      }),
    );
  },
};

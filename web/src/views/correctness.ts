/**
 * What the oracle found. Two rules: the *observed* one counts what really went wrong (a stale
 * TLB use or a lost write after the flush returned); the *ack-window* one counts what the
 * protocol allowed on any interleaving (using, or running code with, a translation a flush this
 * CPU had already acknowledged killed). Freed-table walks check condition 1 of the 2019 thread,
 * NMIs reading user memory condition 2. Safe protocols must show zero everywhere; each negative
 * control must be caught wherever it can break its guarantee — if one is not, the oracle is
 * blind there and every zero means nothing.
 */
import type { Case, Run } from '../api.js';
import { distinctProtocols, distinctWorkloads } from '../case-slices.js';
import { loadRun, runHeader, runPicker, toolbar } from '../controls.js';
import { chartBox, h, panel, swatch } from '../dom.js';
import { replayCode, violationSteps } from '../engine.js';
import { formatCount } from '../format.js';
import { type CaseVerdict, caseVerdict, violationsOf } from '../oracle-verdict.js';
import { protocolColor } from '../palette.js';
import { byProtocolOrder, controlOf, isNegativeControl } from '../protocols.js';
import { hrefOf } from '../route.js';
import type { View, ViewContext } from '../view-context.js';
import { correctnessChart } from './correctness-chart.js';

type ControlState = 'caught' | 'partial' | 'not-caught' | 'absent';

function negativeControls(run: Run): HTMLElement {
  const controls = run.cases.filter((c) => isNegativeControl(c.protocol));
  const judged = controls.map((c) => ({ c, v: caseVerdict(c) }));
  const caught = judged.filter((x) => x.v === 'caught');
  const missed = judged.filter((x) => x.v === 'not-caught');
  const applicable = caught.length + missed.length;
  let state: ControlState;
  if (applicable === 0) state = 'absent';
  else if (missed.length === 0) state = 'caught';
  else if (caught.length === 0) state = 'not-caught';
  else state = 'partial';
  const names = [...new Set(caught.map((x) => x.c.protocol))].join(', ');
  const text: Record<ControlState, [string, string]> = {
    caught: [
      `Negative controls CAUGHT — in ${caught.length} of ${applicable} cases where they can break a guarantee (${names})`,
      'The oracle sees every bug it must see, so the zeros of the safe protocols mean something.',
    ],
    partial: [
      `Negative controls caught in only ${caught.length} of ${applicable} cases`,
      `NOT caught in: ${missed.map((x) => x.c.key).join(', ')}. The oracle is blind there: the safe protocols' zeros in those cases are no evidence.`,
    ],
    'not-caught': [
      `NEGATIVE CONTROLS NOT CAUGHT — no violation in any of ${applicable} cases where a control can break a guarantee`,
      'The oracle did not detect protocols that are broken by construction. Do not trust the safe protocols\u2019 zeros in this run.',
    ],
    absent: [
      'No negative control in this run',
      'Run a suite with the negative controls (the default suite has them) to check that the oracle can catch a broken protocol.',
    ],
  };
  const [title, detail] = text[state];
  // What each control of this run breaks, from the server's protocol table.
  const breaks = [...new Set(controls.map((c) => c.protocol))]
    .sort(byProtocolOrder)
    .map((p) =>
      h('li', {}, h('strong', {}, p), `: breaks ${controlOf(p)?.breaks ?? 'a guarantee'}`),
    );
  return h(
    'div',
    { class: `banner control-${state}`, id: 'negative-control', 'data-caught': state },
    h('strong', {}, title),
    h('div', {}, detail),
    breaks.length > 0 ? h('ul', { class: 'control-breaks' }, ...breaks) : '',
  );
}

/**
 * The seed that exposes each negative control: its caught cases on the cooperative engine, with
 * the schedule's seed, the command that replays it and the interleaving's steps up to the first
 * violation. Null when no control was caught on that engine.
 */
function exposingSeeds(run: Run): HTMLElement | null {
  const exposed = run.cases
    .filter((c) => isNegativeControl(c.protocol) && caseVerdict(c) === 'caught')
    .flatMap((c) => (c.schedule ? [{ c, s: c.schedule }] : []))
    .sort((a, b) => byProtocolOrder(a.c.protocol, b.c.protocol) || a.c.cpus - b.c.cpus);
  if (exposed.length === 0) return null;
  const head = ['control', 'case', 'seed', 'PCT depth', 'steps', 'replay', 'interleaving'];
  return panel(
    `The seeds that expose the negative controls (${exposed.length})`,
    h(
      'p',
      { class: 'muted' },
      'Each caught on the cooperative engine: the seed fixes the interleaving, so the command below replays it to the same first violation.',
    ),
    h(
      'table',
      { class: 'data', id: 'control-seeds' },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...exposed.map(({ c, s }) =>
          h(
            'tr',
            { 'data-key': c.key, 'data-seed': String(s.seed) },
            h('td', {}, swatch(protocolColor(c.protocol)), c.protocol),
            h('td', { class: 'key' }, c.key),
            h('td', { class: 'num' }, String(s.seed)),
            h('td', { class: 'num' }, String(s.depth)),
            h('td', { class: 'num' }, formatCount(s.steps)),
            h('td', {}, replayCode(s)),
            h('td', {}, violationSteps(s)),
          ),
        ),
      ),
    ),
  );
}

function safeProtocols(run: Run): HTMLElement | null {
  const violated = run.cases.filter((c) => caseVerdict(c) === 'violated');
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

/** One verdict for a protocol on a workload, from its cases' verdicts, worst first. */
function verdictCell(verdicts: readonly CaseVerdict[]): HTMLElement {
  const n = (v: CaseVerdict) => verdicts.filter((x) => x === v).length;
  const judged = verdicts.length - n('unchecked');
  if (judged === 0) return h('td', { class: 'muted' }, 'not checked');
  if (n('violated') > 0) return h('td', { class: 'bad strong' }, 'VIOLATED');
  if (n('not-caught') > 0) {
    return h(
      'td',
      { class: 'bad strong' },
      `NOT CAUGHT in ${n('not-caught')}/${n('not-caught') + n('caught')}`,
    );
  }
  if (n('caught') > 0) return h('td', { class: 'good' }, 'caught');
  if (n('not-applicable') === judged) return h('td', { class: 'muted' }, 'n/a (cannot break here)');
  return h('td', { class: 'good' }, 'safe');
}

/** The rules, in a sentence each, beside the numbers they produce. */
function rules(): HTMLElement {
  return panel(
    'What is checked',
    h(
      'ul',
      { class: 'rules' },
      h(
        'li',
        {},
        h('strong', {}, 'Observed: '),
        'an access that began after the flush returned used a translation from before the PTE change (stale use), or a write landed in the old frame after it was written back (lost write).',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Ack window: '),
        'the initiator may return at the last acknowledgement, so once a CPU has acknowledged a flush, using a translation it killed — or running user code, a cross-call or an NMI before performing it — is a violation on every interleaving.',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Condition 1, freed tables: '),
        'a page walk (a TLB miss, or a speculative one) through a cached upper-level entry of a freed — or acknowledged-as-freed — page table.',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Condition 2, NMIs: '),
        'an NMI handler may read user memory only when nmi_uaccess_okay() allows it; reading with a flush still deferred is an ack-window violation.',
      ),
    ),
  );
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
    const sum = (cases: readonly Case[], pick: (c: Case) => number | null | undefined) =>
      cases.reduce((s, c) => s + (pick(c) ?? 0), 0);
    const counts: [string, (c: Case) => number | null | undefined][] = [
      ['accesses checked', (c) => c.oracle?.checkedAccesses],
      ['stale uses', (c) => c.oracle?.staleUses],
      ['lost writes', (c) => c.oracle?.lostWrites],
      ['ack-window', (c) => c.oracle?.ackWindowViolations],
      ['freed-table walks', (c) => c.oracle?.freedTableWalks],
    ];

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
          ...counts.map(([name]) => h('th', { class: 'num' }, name)),
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
            ...counts.map(([, pick]) => h('td', { class: 'num' }, formatCount(sum(g.cases, pick)))),
            verdictCell(g.cases.map(caseVerdict)),
          ),
        ),
      ),
    );

    const violatedCases = run.cases.filter((c) => violationsOf(c.oracle) > 0);
    const firstViolations = h(
      'table',
      { class: 'data' },
      h(
        'thead',
        {},
        h('tr', {}, ...['case', 'violations', 'first violation'].map((t) => h('th', {}, t))),
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
            h('td', { class: 'num' }, formatCount(violationsOf(c.oracle))),
            h(
              'td',
              {},
              v
                ? `${v.kind} on CPU ${v.cpu}, ${v.kind === 'freed-table-walk' ? 'table' : 'page'} generation ${v.entryGen} < ${v.flushedGen}${v.tlbGen === undefined ? '' : ` (tlb_gen ${v.tlbGen})`} — ${v.step}`
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
      negativeControls(run),
      exposingSeeds(run) ?? '',
      safeProtocols(run) ?? '',
      panel('Oracle findings per protocol and workload', summaryTable),
      h('div', { class: 'grid-2' }, panel('Violations found, by rule', chart.box), rules()),
      panel(
        `First violation of each case with violations (${violatedCases.length})`,
        violatedCases.length > 0 ? firstViolations : h('p', { class: 'muted' }, 'None.'),
      ),
    );
    // Only what has violations gets a bar: the zeros are in the table.
    const charted = groups.filter((g) => sum(g.cases, (c) => violationsOf(c.oracle)) > 0);
    ctx.track(
      correctnessChart(chart.canvas, {
        labels: charted.map((g) => `${g.protocol} · ${g.workload}`),
        staleUses: charted.map((g) => sum(g.cases, (c) => c.oracle?.staleUses)),
        lostWrites: charted.map((g) => sum(g.cases, (c) => c.oracle?.lostWrites)),
        ackWindowViolations: charted.map((g) => sum(g.cases, (c) => c.oracle?.ackWindowViolations)),
        freedTableWalks: charted.map((g) => sum(g.cases, (c) => c.oracle?.freedTableWalks)),
      }),
    );
  },
};

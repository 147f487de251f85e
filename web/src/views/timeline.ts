/**
 * One traced flush drawn as per-CPU lanes over modeled cycles, two protocols side by side on
 * the same axis. In sync a remote CPU acknowledges after its flush, so the initiator waits for
 * every remote flush; async-inline copies the flush info and acknowledges first, so the
 * initiator returns while the remotes are still flushing. The gap is the saving.
 */
import { type Case, getTrace } from '../api.js';
import { chooseGridPoint, chooseString, distinctProtocols, fallbackNotes } from '../case-slices.js';
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
import { formatCycles } from '../format.js';
import { FLUSH_PHASES, protocolColor } from '../palette.js';
import { baselineProtocol, verdictProtocols } from '../protocols.js';
import { type Drawn, drawTrace } from '../trace-phases.js';
import type { View, ViewContext } from '../view-context.js';
import { timelineChart } from './timeline-chart.js';

/** Head-room right of the last event, so its bar does not touch the frame. */
const X_HEADROOM = 1.04;

export const timelineView: View = {
  name: 'timeline',
  title: 'Timeline',
  async render(ctx: ViewContext) {
    // A run with a traced flush: the latest bench may have traced none (--trace, or a suite's
    // traceAt), while an earlier one did.
    const loaded = await loadRun(ctx, (r) => r.traced > 0);
    if (!loaded) return;
    const { runs, run } = loaded;
    const traced = run.cases.filter((c) => c.hasTrace);
    const point = chooseGridPoint(ctx.params, traced);
    const { workload, pages, cpus, ofPages } = point;
    const slice = ofPages.filter((c) => c.cpus === cpus?.value);
    const protocols = distinctProtocols(slice);
    // The baseline against the verdict's lead (the protocol table's roles), unless the link says.
    const left = chooseString(ctx.params, 'left', protocols, baselineProtocol());
    const headline = verdictProtocols()[0];
    const right = chooseString(
      ctx.params,
      'right',
      protocols,
      protocols.includes(headline) ? headline : protocols.find((p) => p !== left?.value),
    );

    ctx.root.replaceChildren(
      runHeader(run),
      toolbar(
        runPicker(runs, run),
        ...gridPointSelects('timeline', point),
        left && paramSelect('timeline-left', 'Left', 'left', left.value, protocols),
        right && paramSelect('timeline-right', 'Right', 'right', right.value, protocols),
      ),
    );
    for (const text of fallbackNotes({ workload, pages, cpus, left, right })) {
      ctx.root.append(note(text, 'note warn'));
    }
    if (!left || !right) {
      ctx.root.append(
        note(
          'This run stored no traced flush. Traces are recorded by `flushbench bench --trace`.',
          'note warn',
        ),
      );
      return;
    }

    const sides = [left.value, right.value].map((p) => slice.find((c) => c.protocol === p)!);
    const traces = await ctx.guard(Promise.all(sides.map((c) => getTrace(run.id, c.id))));
    const drawn = traces.map(drawTrace);
    const xMax = niceCeil(Math.max(1, ...drawn.map((d) => d.lastAt)) * X_HEADROOM);
    const boxes = sides.map((c, i) =>
      chartBox(
        `chart-timeline-${c.protocol}${i === 1 && sides[0].protocol === c.protocol ? '-2' : ''}`,
        lanesSize(drawn[i].lanes.length),
      ),
    );
    ctx.root.append(
      saving(sides, drawn),
      h(
        'div',
        { class: 'grid-2' },
        ...sides.map((c, i) =>
          panel(
            `${c.protocol} — ${c.workload}, ${c.cpus} CPUs, ${c.pages} page${c.pages === 1 ? '' : 's'}`,
            boxes[i].box,
            caseNote(c, drawn[i]),
          ),
        ),
      ),
      note(
        'One traced flush in modeled cycles. Each lane is a CPU; a remote lane starts when the IPI for it is sent. Diamonds: the remote CPU releases the csd (acknowledges); the dashed line: the initiator\u2019s flush returns. Same x axis on both sides.',
      ),
    );
    sides.forEach((_, i) => {
      ctx.track(
        timelineChart(boxes[i].canvas, {
          lanes: drawn[i].lanes,
          phases: [...FLUSH_PHASES],
          segments: drawn[i].segments,
          markers: drawn[i].markers,
          xMax,
          returnsAt: drawn[i].returnsAt,
          format: formatCycles,
        }),
      );
    });
  },
};

/** Rounds up to a multiple of half a power of ten (4,611 → 5,000), so the axis ends on a tick. */
function niceCeil(x: number): number {
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}

function lanesSize(lanes: number): 'small' | 'medium' | 'tall' {
  if (lanes <= 2) return 'small';
  return lanes <= 4 ? 'medium' : 'tall';
}

function caseNote(c: Case, d: Drawn): HTMLElement {
  return note(
    `This flush returns at ${d.returnsAt === null ? '–' : formatCycles(d.returnsAt)} cycles; the case's modeled p50 is ${formatCycles(c.modeledCycles?.p50)} cycles, its last event is at ${formatCycles(d.lastAt)}.`,
  );
}

function saving(sides: readonly Case[], drawn: readonly Drawn[]): HTMLElement {
  const [a, b] = drawn.map((d) => d.returnsAt);
  const [pa, pb] = sides.map((c) => c.protocol);
  let text: string;
  if (a === null || b === null)
    text = 'One of the traces has no return event; compare the lanes by eye.';
  else if (a === b) text = `${pb} and ${pa} return at the same cycle (${formatCycles(a)}).`;
  else {
    const diff = Math.abs(a - b);
    const pct = (diff / Math.max(a, b)) * 100;
    const [fast, slow] = b < a ? [pb, pa] : [pa, pb];
    text = `${fast} returns ${formatCycles(diff)} cycles (${pct.toFixed(1)} %) sooner than ${slow}: ${formatCycles(Math.min(a, b))} vs ${formatCycles(Math.max(a, b))} cycles.`;
  }
  return h(
    'div',
    { class: 'banner banner-info', id: 'timeline-saving' },
    swatch(protocolColor(pa)),
    pa,
    ' vs ',
    swatch(protocolColor(pb)),
    pb,
    ': ',
    text,
  );
}

/**
 * One traced flush drawn as per-CPU lanes over modeled cycles, two protocols side by side on
 * the same axis. In sync a remote CPU acknowledges after its flush, so the initiator waits for
 * every remote flush; async-inline copies the flush info and acknowledges first, so the
 * initiator returns while the remotes are still flushing. The gap is the saving.
 */
import { type Case, getTrace, type Trace, type TraceEvent } from '../api.js';
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
import type { View, ViewContext } from '../view-context.js';
import { type TimelineMarker, type TimelineSegment, timelineChart } from './timeline-chart.js';

const DEFAULT_LEFT = 'sync';
const DEFAULT_RIGHT = 'async-inline';
/** Head-room right of the last event, so its bar does not touch the frame. */
const X_HEADROOM = 1.04;

/**
 * A lane's time between two consecutive events belongs to the phase the later event ends. The
 * names are the simulator's trace events (sim/machine.ts), which follow the kernel's
 * smp_call_function_many_cond / flush_tlb_func sequence.
 */
const PHASE_ENDED_BY: Readonly<Record<string, string>> = Object.freeze({
  'is-lazy-read': 'is-lazy',
  'csd-queued': 'queue-csd',
  'icr-write': 'send-ipi',
  'ipi-sent': 'send-ipi',
  'ipi-delivered': 'ipi-flight',
  'handler-start': 'irq-entry',
  'info-read': 'read-info',
  'info-copied': 'read-info',
  'tlb-state-read': 'flush-func',
  'tlb-gen-read': 'tlb-gen',
  'local-flush-end': 'flush',
  'flush-end': 'flush',
  'pti-flush-end': 'pti-flush',
  'irq-exit-end': 'irq-exit',
  'csd-unlocked': 'ack',
  'flush-done': 'wait-acks',
  invlpgb: 'invlpgb',
  'tlbsync-done': 'tlbsync',
});

/** Events at which the initiator's flush call returns, by protocol family. */
const RETURN_EVENTS = Object.freeze(['flush-done', 'tlbsync-done']);
const ACK_EVENT = 'csd-unlocked';
const ACK_MARKER_COLOR = '#23955a';

interface Drawn {
  lanes: string[];
  segments: TimelineSegment[];
  markers: TimelineMarker[];
  returnsAt: number | null;
  lastAt: number;
}

function laneName(cpu: number, initiator: number): string {
  return cpu === initiator ? `CPU ${cpu} (initiator)` : `CPU ${cpu}`;
}

/** Turns a trace's events into lanes of phase segments and ack markers. */
function drawTrace(trace: Trace): Drawn {
  const events = [...trace.events].sort((a, b) => a.cycles - b.cycles);
  if (events.length === 0)
    return { lanes: [], segments: [], markers: [], returnsAt: null, lastAt: 0 };
  const initiator = events[0].cpu;
  const cpus = [...new Set(events.map((e) => e.cpu))].sort((a, b) =>
    a === initiator ? -1 : b === initiator ? 1 : a - b,
  );
  const segments: TimelineSegment[] = [];
  const markers: TimelineMarker[] = [];
  for (const cpu of cpus) {
    const lane = laneName(cpu, initiator);
    // Stable sort kept trace order among equal cycles (flush-start right after info-read).
    const own = events.filter((e) => e.cpu === cpu);
    let prev: TraceEvent | undefined;
    if (cpu !== initiator) {
      // A remote lane starts when the IPI aimed at it leaves the sender.
      prev = events.find((e) => e.event === 'ipi-sent' && e.peer === cpu);
    }
    for (const e of own) {
      if (prev && e.cycles > prev.cycles) {
        segments.push({
          phase: PHASE_ENDED_BY[e.event] ?? 'other',
          lane,
          start: prev.cycles,
          end: e.cycles,
          detail: e.peer !== undefined && e.cpu !== initiator ? `for CPU ${e.peer}` : undefined,
        });
      }
      if (e.event === ACK_EVENT) {
        markers.push({
          label: 'ack: initiator may proceed',
          lane,
          at: e.cycles,
          style: 'rectRot',
          color: ACK_MARKER_COLOR,
        });
      }
      prev = e;
    }
  }
  const returns = events.filter((e) => e.cpu === initiator && RETURN_EVENTS.includes(e.event));
  return {
    lanes: cpus.map((c) => laneName(c, initiator)),
    segments,
    markers,
    returnsAt: returns.length > 0 ? returns[returns.length - 1].cycles : null,
    lastAt: events[events.length - 1].cycles,
  };
}

export const timelineView: View = {
  name: 'timeline',
  title: 'Timeline',
  async render(ctx: ViewContext) {
    const loaded = await loadRun(ctx);
    if (!loaded) return;
    const { runs, run } = loaded;
    const traced = run.cases.filter((c) => c.hasTrace);
    const point = chooseGridPoint(ctx.params, traced);
    const { workload, pages, cpus, ofPages } = point;
    const slice = ofPages.filter((c) => c.cpus === cpus?.value);
    const protocols = distinctProtocols(slice);
    const left = chooseString(ctx.params, 'left', protocols, DEFAULT_LEFT);
    const right = chooseString(
      ctx.params,
      'right',
      protocols,
      protocols.includes(DEFAULT_RIGHT) ? DEFAULT_RIGHT : protocols.find((p) => p !== left?.value),
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

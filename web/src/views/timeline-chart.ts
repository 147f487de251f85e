/** The timeline view's chart (see chart-theme.ts for the house look). */
import type { LegendItem, Plugin, PointStyle, TooltipItem } from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import {
  type AnyChart,
  axisTitle,
  FONT_FAMILY,
  FONT_SIZE_PX,
  type Format,
  make,
} from '../chart-theme.js';
import { INK_COLOR, phaseEdge } from '../palette.js';

export interface Phase {
  id: string;
  label: string;
  color: string;
}

export interface TimelineSegment {
  phase: string;
  lane: string;
  start: number;
  end: number;
  /** What the tooltip adds, e.g. which CPU an IPI came from. */
  detail?: string;
}

export interface TimelineMarker {
  label: string;
  lane: string;
  at: number;
  style: PointStyle;
  color: string;
}

/** Draws a dashed vertical line with a caption at one x value: the flush's return. */
function verticalLine(at: number, caption: string, color: string): Plugin {
  return {
    id: 'flushbenchVerticalLine',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x.getPixelForValue(at);
      const { top, bottom } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = color;
      ctx.font = `bold ${FONT_SIZE_PX}px ${FONT_FAMILY}`;
      const width = ctx.measureText(caption).width;
      const right = x + 4 + width > chart.chartArea.right;
      ctx.textAlign = right ? 'right' : 'left';
      ctx.fillText(caption, right ? x - 4 : x + 4, top + FONT_SIZE_PX);
      ctx.restore();
    },
  };
}

/**
 * One flush as per-CPU lanes over modeled cycles: floating bars for the phases, point markers
 * for instants (acknowledgements), and a line where the initiator's flush returns. Both
 * timelines of a comparison get the same `xMax`, so equal lengths mean equal cycles.
 */
export function timelineChart(
  canvas: HTMLCanvasElement,
  d: {
    lanes: string[];
    phases: Phase[];
    segments: TimelineSegment[];
    markers: TimelineMarker[];
    xMax: number;
    returnsAt: number | null;
    format: Format;
  },
): AnyChart {
  const used = d.phases.filter((p) => d.segments.some((s) => s.phase === p.id));
  const bars = used.map((p) => ({
    type: 'bar',
    label: p.label,
    data: d.segments
      .filter((s) => s.phase === p.id)
      .map((s) => ({ x: [s.start, s.end], y: s.lane, detail: s.detail })),
    backgroundColor: p.color,
    borderColor: phaseEdge(p.color),
    borderWidth: 1.5,
    borderSkipped: false,
    grouped: false,
    barPercentage: 0.9,
    categoryPercentage: 0.8,
  }));
  const markerKinds = [...new Set(d.markers.map((m) => m.label))];
  const markers = markerKinds.map((label) => {
    const ms = d.markers.filter((m) => m.label === label);
    return {
      type: 'scatter',
      label,
      // Lower order draws later: the instants stay visible on top of the phase bars.
      order: -1,
      data: ms.map((m) => ({ x: m.at, y: m.lane })),
      pointStyle: ms[0].style,
      pointRadius: 6,
      pointHoverRadius: 8,
      backgroundColor: ms[0].color,
      borderColor: INK_COLOR,
      borderWidth: 1,
    };
  });
  const plugins =
    d.returnsAt === null
      ? []
      : [verticalLine(d.returnsAt, `returns @ ${d.format(d.returnsAt)}`, INK_COLOR)];
  return make(canvas, {
    type: 'bar',
    data: { labels: d.lanes, datasets: [...bars, ...markers] },
    plugins,
    options: {
      indexAxis: 'y',
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: d.xMax,
          title: axisTitle('modeled cycles since the flush started'),
          ticks: { callback: (v: number | string) => d.format(Number(v)) },
        },
        y: { type: 'category', offset: true, grid: { offset: true } },
      },
      plugins: {
        legend: {
          position: 'bottom',
          // In flush order, the instant markers last (their draw order would put them first).
          labels: {
            sort: (a: LegendItem, b: LegendItem) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0),
          },
        },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar'>) => {
              const raw = item.raw as { x: number | [number, number]; detail?: string };
              if (Array.isArray(raw.x)) {
                const [s, e] = raw.x;
                return `${item.dataset.label}: ${d.format(s)} → ${d.format(e)} (${d.format(e - s)} cycles)${raw.detail ? `, ${raw.detail}` : ''}`;
              }
              return `${item.dataset.label} @ ${d.format(raw.x)}`;
            },
          },
        },
      },
    },
  });
}

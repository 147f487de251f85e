/** The case detail view's charts (see chart-theme.ts for the house look). */
import type { TooltipItem } from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import {
  type AnyChart,
  axisTitle,
  type Format,
  logFloor,
  make,
  type ProtocolSeries,
  tickFormatter,
  valueAxis,
} from '../chart-theme.js';
import { phaseEdge, protocolColor, withAlpha } from '../palette.js';

/** Percentiles per protocol: one group of bars per percentile. */
export function percentilesChart(
  canvas: HTMLCanvasElement,
  d: { labels: string[]; series: ProtocolSeries[]; yTitle: string; log: boolean; format: Format },
): AnyChart {
  return make(canvas, {
    type: 'bar',
    data: {
      labels: d.labels,
      datasets: d.series.map((s) => ({
        label: s.protocol,
        data: s.values,
        backgroundColor: withAlpha(protocolColor(s.protocol), 0.85),
        borderColor: protocolColor(s.protocol),
        borderWidth: 1,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { title: axisTitle('percentile of the stored samples') },
        y: valueAxis(d.yTitle, d.log, d.format, logFloor(d.series)),
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar'>) =>
              `${item.dataset.label}: ${d.format(item.parsed.y ?? Number.NaN)}`,
          },
        },
      },
    },
  });
}

/** Overlaid step histograms on shared bins, so that the protocols' shapes compare. */
export function histogramChart(
  canvas: HTMLCanvasElement,
  d: {
    edges: number[];
    log: boolean;
    series: { protocol: string; counts: number[] }[];
    clippedAt: number | null;
    xTitle: string;
    format: Format;
  },
): AnyChart {
  // Each count is drawn at its bin's middle (geometric middle for geometric bins).
  const middle = (i: number) =>
    d.log ? Math.sqrt(d.edges[i] * d.edges[i + 1]) : (d.edges[i] + d.edges[i + 1]) / 2;
  // Shares, not counts: a protocol measured 7,000 times must not dwarf one measured 200 times.
  const totals = new Map(d.series.map((s) => [s.counts, s.counts.reduce((a, b) => a + b, 0)]));
  const shareOf = (count: number, counts: number[]) => {
    const total = totals.get(counts) ?? 0;
    return total > 0 ? (count / total) * 100 : 0;
  };
  let title = d.log ? `${d.xTitle}, log bins` : d.xTitle;
  if (d.clippedAt !== null) title += ` (last bin holds everything ≥ ${d.format(d.clippedAt)})`;
  return make(canvas, {
    type: 'line',
    data: {
      datasets: d.series.map((s) => ({
        label: s.protocol,
        data: s.counts.map((count, i) => ({ x: middle(i), y: shareOf(count, s.counts) })),
        borderColor: protocolColor(s.protocol),
        backgroundColor: withAlpha(protocolColor(s.protocol), 0.12),
        borderWidth: 1.5,
        fill: 'origin',
        stepped: 'middle',
        pointRadius: 0,
      })),
    },
    options: {
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: d.log ? 'logarithmic' : 'linear',
          min: d.edges[0],
          max: d.edges[d.edges.length - 1],
          title: axisTitle(title),
          ticks: { callback: tickFormatter(d.log, d.format) },
        },
        y: {
          beginAtZero: true,
          title: axisTitle("share of the protocol's samples, %"),
          ticks: { callback: (v: number | string) => `${Number(v)} %` },
        },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => {
              if (items.length === 0) return '';
              const i = items[0].dataIndex;
              return `${d.format(d.edges[i])} – ${d.format(d.edges[i + 1])}`;
            },
            label: (item: TooltipItem<'line'>) => {
              const counts = d.series[item.datasetIndex].counts;
              return `${item.dataset.label}: ${(item.parsed.y ?? 0).toFixed(1)} % (${counts[item.dataIndex]} samples)`;
            },
          },
        },
      },
    },
  });
}

/**
 * Where each protocol's traced flush spends the initiator's cycles: one stacked bar per protocol,
 * one segment per phase of the flush (send the IPIs, wait for the acks, flush locally, …), side by
 * side so the protocols' differences show as segments that shrink or vanish.
 */
export function breakdownChart(
  canvas: HTMLCanvasElement,
  d: {
    protocols: string[];
    phases: { id: string; label: string; color: string; cycles: number[] }[];
  },
): AnyChart {
  return make(canvas, {
    type: 'bar',
    data: {
      labels: d.protocols,
      datasets: d.phases.map((p) => ({
        label: p.label,
        data: p.cycles,
        backgroundColor: p.color,
        borderColor: phaseEdge(p.color),
        borderWidth: 1.5,
        stack: 'flush',
      })),
    },
    options: {
      indexAxis: 'y',
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: {
          stacked: true,
          title: axisTitle(
            'modeled cycles of one traced flush call: the initiator, and while it waits, the last target to acknowledge',
          ),
        },
        y: { stacked: true },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar'>) =>
              `${item.dataset.label}: ${Math.round(item.parsed.x ?? 0)} cycles`,
          },
        },
      },
    },
  });
}

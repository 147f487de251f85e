/** The overview view's charts (see chart-theme.ts for the house look). */
import type { ChartDataset, LegendItem, PointStyle, TooltipItem } from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import {
  type AnyChart,
  AXIS_COLOR,
  axisTitle,
  defaultLegendItems,
  type Format,
  formatRatio,
  legendToggle,
  logFloor,
  make,
  POINT_RADIUS_PX,
  type ProtocolSeries,
  valueAxis,
} from '../chart-theme.js';
import { INK_COLOR, NEUTRAL_COLOR, protocolColor, withAlpha } from '../palette.js';
import { baselineProtocol, isNegativeControl } from '../protocols.js';

/** Oversubscribed wall-clock points are drawn larger, hollow and triangular. */
const MARKED_POINT_RADIUS_PX = 5;

/**
 * Latency against CPU count, one line per protocol. Points flagged in `oversubscribed` have more
 * simulated CPUs than the measuring machine had cores: their wall-clock is the simulator waiting
 * for a core, not the protocol, so they are drawn hollow and triangular and the legend says so.
 */
export function latencyChart(
  canvas: HTMLCanvasElement,
  d: {
    cpuLabels: string[];
    series: ProtocolSeries[];
    oversubscribed: boolean[];
    cores: number;
    yTitle: string;
    log: boolean;
    format: Format;
    /** This host's own kernel, measured, drawn in ink beside the modeled protocols. */
    host?: { label: string; values: (number | null)[] } | null;
  },
): AnyChart {
  const anyMarked = d.oversubscribed.some(Boolean);
  const markedNote = `hollow △: more CPUs than the ${d.cores} cores measured on (simulator oversubscribed)`;
  const datasets: ChartDataset<'line'>[] = d.series.map((s) => {
    const color = protocolColor(s.protocol);
    return {
      label: s.protocol,
      data: s.values,
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      borderDash: isNegativeControl(s.protocol) ? [5, 4] : [],
      pointStyle: d.oversubscribed.map((m) => (m ? 'triangle' : 'circle')) as PointStyle[],
      pointRadius: d.oversubscribed.map((m) => (m ? MARKED_POINT_RADIUS_PX : POINT_RADIUS_PX)),
      pointBackgroundColor: d.oversubscribed.map((m) => (m ? '#ffffff' : color)),
      pointBorderWidth: d.oversubscribed.map((m) => (m ? 2 : 1)),
      spanGaps: true,
    };
  });
  if (d.host) {
    datasets.push({
      label: d.host.label,
      data: d.host.values,
      borderColor: INK_COLOR,
      backgroundColor: INK_COLOR,
      borderWidth: 2.5,
      borderDash: [2, 3],
      pointStyle: 'rectRot',
      pointRadius: MARKED_POINT_RADIUS_PX,
      spanGaps: true,
    });
  }
  return make(canvas, {
    type: 'line',
    data: { labels: d.cpuLabels, datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        // One category per CPU count present: 1 to 960 each get a readable place (a linear axis
        // would squash 1–64 against 768), and every count keeps its tick.
        x: { title: axisTitle('CPUs in the mm (initiator + remotes)'), ticks: { autoSkip: false } },
        y: valueAxis(d.yTitle, d.log, d.format),
      },
      plugins: {
        legend: {
          position: 'bottom',
          onClick: legendToggle,
          labels: {
            usePointStyle: true,
            generateLabels(chart: AnyChart): LegendItem[] {
              const items = defaultLegendItems(chart);
              for (const item of items)
                item.pointStyle = item.text === d.host?.label ? 'rectRot' : 'circle';
              if (anyMarked) {
                items.push({
                  text: markedNote,
                  pointStyle: 'triangle',
                  fillStyle: '#ffffff',
                  strokeStyle: INK_COLOR,
                  lineWidth: 1.5,
                  hidden: false,
                  fontColor: AXIS_COLOR,
                });
              }
              return items;
            },
          },
        },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'line'>) =>
              `${item.dataset.label}: ${d.format(item.parsed.y ?? Number.NaN)}`,
            footer: (items: TooltipItem<'line'>[]) =>
              items.length > 0 && d.oversubscribed[items[0].dataIndex]
                ? `${d.cpuLabels[items[0].dataIndex]} CPUs > ${d.cores} cores: wall-clock is oversubscribed`
                : '',
          },
        },
      },
    },
  });
}

/**
 * Speedup over sync per CPU count: bars that grow from the 1× line, up for faster and down for
 * slower. Series in `hidden` start hidden; a click on the legend toggles one and tells `onToggle`.
 * A CPU count with a reason in `greyReasons` is drawn grey, with the reason in its tooltip.
 */
export function speedupChart(
  canvas: HTMLCanvasElement,
  d: {
    cpuLabels: string[];
    series: ProtocolSeries[];
    metricName: string;
    log: boolean;
    hidden?: readonly string[];
    onToggle?: (hidden: string[]) => void;
    greyReasons?: readonly (string | null)[];
  },
): AnyChart {
  const reasons = d.greyReasons ?? d.cpuLabels.map(() => null);
  const greyed = reasons.map((r) => r !== null);
  const datasets: unknown[] = d.series.map((s) => ({
    type: 'bar',
    label: s.protocol,
    data: s.values,
    base: 1,
    hidden: d.hidden?.includes(s.protocol) ?? false,
    backgroundColor: greyed.map((g) =>
      g ? withAlpha(NEUTRAL_COLOR, 0.45) : withAlpha(protocolColor(s.protocol), 0.85),
    ),
    borderColor: greyed.map((g) => (g ? NEUTRAL_COLOR : protocolColor(s.protocol))),
    borderWidth: 1,
    order: 2,
  }));
  datasets.push({
    type: 'line',
    label: `${baselineProtocol()} = 1×`,
    data: d.cpuLabels.map(() => 1),
    borderColor: protocolColor(baselineProtocol()),
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 0,
    order: 1,
  });
  return make(canvas, {
    type: 'bar',
    data: { labels: d.cpuLabels, datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { title: axisTitle('CPUs in the mm'), ticks: { autoSkip: false } },
        y: valueAxis(
          `speedup over ${baselineProtocol()} (${d.metricName})`,
          d.log,
          formatRatio,
          logFloor(d.series),
        ),
      },
      plugins: {
        legend: {
          position: 'bottom',
          onClick(_e: unknown, item: LegendItem, legend: { chart: AnyChart }) {
            const chart = legend.chart;
            if (item.datasetIndex === undefined || item.datasetIndex >= d.series.length) return;
            chart.setDatasetVisibility(
              item.datasetIndex,
              !chart.isDatasetVisible(item.datasetIndex),
            );
            chart.update();
            d.onToggle?.(
              d.series.filter((_, i) => !chart.isDatasetVisible(i)).map((s) => s.protocol),
            );
          },
        },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar'>) =>
              `${item.dataset.label}: ${(item.parsed.y ?? Number.NaN).toFixed(2)}×${reasons[item.dataIndex] ? ` — ${reasons[item.dataIndex]}` : ''}`,
          },
        },
      },
    },
  });
}

/**
 * Chart builders. Views shape the data; these turn shaped data into Chart.js charts with the
 * house look: no animation (a perf tool redraws on every selector change, and screenshots must
 * show the final frame), one colour per protocol, units on every axis.
 *
 * Chart.js and chartjs-plugin-zoom are loaded as classic scripts before this module (no bundler,
 * no network), so they are reached through their UMD globals; the type imports are erased.
 */
import type {
  ActiveElement,
  Chart as ChartClass,
  ChartConfiguration,
  ChartDataset,
  ChartEvent,
  LegendItem,
  Plugin,
  PointStyle,
  TooltipItem,
} from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import { formatDate, shortSha } from './format.js';
import { isNegativeControl } from './oracle-verdict.js';
import {
  BASELINE_PROTOCOL,
  GRID_COLOR,
  INK_COLOR,
  protocolColor,
  REGRESSION_COLOR,
  withAlpha,
} from './palette.js';

declare const Chart: typeof ChartClass;

declare global {
  interface Window {
    /** chartjs-plugin-zoom's UMD build publishes itself here. */
    ChartZoom?: Plugin;
  }
}

type AnyChart = ChartClass;
type Format = (v: number) => string;

const FONT_FAMILY =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const FONT_SIZE_PX = 11;
const AXIS_COLOR = '#4a5163';
const POINT_RADIUS_PX = 3;
/** A regression in the history must be found at a glance among dozens of commits. */
const REGRESSION_POINT_RADIUS_PX = 7;
const MARKED_POINT_RADIUS_PX = 5;
/** The click that ends a pan arrives right after it (one frame); a real click comes later. */
const PAN_CLICK_GUARD_MS = 300;
/** Zooming the history closer than this many commits only magnifies one segment. */
const HISTORY_MIN_RANGE_COMMITS = 2;

export function initCharts(): void {
  if (typeof Chart === 'undefined') {
    throw new Error('Chart.js did not load (/vendor/chart.umd.js): the charts cannot be drawn');
  }
  if (!window.ChartZoom) {
    throw new Error(
      'chartjs-plugin-zoom did not load (/vendor/chartjs-plugin-zoom.min.js, after /vendor/hammer.min.js): the dashboard cannot start',
    );
  }
  Chart.register(window.ChartZoom);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.font.size = FONT_SIZE_PX;
  Chart.defaults.color = AXIS_COLOR;
  Chart.defaults.borderColor = GRID_COLOR;
  Chart.defaults.plugins.legend.labels.boxWidth = 10;
  Chart.defaults.plugins.legend.labels.boxHeight = 10;
  Chart.defaults.plugins.tooltip.titleFont = { weight: 'bold', size: FONT_SIZE_PX + 1 };
}

function axisTitle(text: string) {
  return { display: true, text, color: INK_COLOR, font: { weight: 'bold' as const } };
}

/** Log axes tick every 1..9 × 10^k; labelling only 1, 2 and 5 keeps them legible. */
const LOG_LABELLED_MANTISSAS = Object.freeze([1, 2, 5]);

function tickFormatter(log: boolean, format: Format) {
  return (v: number | string) => {
    const x = Number(v);
    if (!log || x <= 0) return format(x);
    const mantissa = x / 10 ** Math.floor(Math.log10(x) + 1e-9);
    const whole = Math.round(mantissa);
    return Math.abs(mantissa - whole) < 1e-6 && LOG_LABELLED_MANTISSAS.includes(whole)
      ? format(x)
      : '';
  };
}

/**
 * A log axis fitted to the data starts at the smallest value, which leaves the smallest bar
 * zero tall; bars need the axis to start a decade lower.
 */
function logFloor(series: readonly ProtocolSeries[]): number | undefined {
  const positive = series.flatMap((s) => s.values).filter((v): v is number => v !== null && v > 0);
  return positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : undefined;
}

function valueAxis(title: string, log: boolean, format: Format, min?: number) {
  return {
    type: log ? ('logarithmic' as const) : ('linear' as const),
    min: log ? min : undefined,
    beginAtZero: !log,
    title: axisTitle(log ? `${title}, log scale` : title),
    ticks: { callback: tickFormatter(log, format) },
  };
}

/** The default legend click (hide/show a dataset), skipping legend items that are only notes. */
function legendToggle(_e: ChartEvent, item: LegendItem, legend: { chart: AnyChart }) {
  if (item.datasetIndex === undefined) return;
  const chart = legend.chart;
  chart.setDatasetVisibility(item.datasetIndex, !chart.isDatasetVisible(item.datasetIndex));
  chart.update();
}

function formatRatio(v: number): string {
  return `${v < 10 ? Number(v.toFixed(2)) : Math.round(v)}×`;
}

/**
 * Chart.js's generic config types reject what these charts need (bar + line + scatter datasets
 * in one chart, per-point style arrays), so configs are typed loosely here; the browser test
 * reads every chart's data back instead.
 */
function make(canvas: HTMLCanvasElement, config: unknown): AnyChart {
  return new Chart(canvas, config as ChartConfiguration);
}

export interface ProtocolSeries {
  protocol: string;
  values: (number | null)[];
}

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
  return make(canvas, {
    type: 'line',
    data: { labels: d.cpuLabels, datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { title: axisTitle('CPUs in the mm (initiator + remotes)') },
        y: valueAxis(d.yTitle, d.log, d.format),
      },
      plugins: {
        legend: {
          position: 'bottom',
          onClick: legendToggle,
          labels: {
            usePointStyle: true,
            generateLabels(chart: AnyChart): LegendItem[] {
              const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
              for (const item of items) item.pointStyle = 'circle';
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

/** Speedup over sync per CPU count, grouped bars, with the 1× line of sync itself. */
export function speedupChart(
  canvas: HTMLCanvasElement,
  d: { cpuLabels: string[]; series: ProtocolSeries[]; metricName: string; log: boolean },
): AnyChart {
  const datasets: unknown[] = d.series.map((s) => ({
    type: 'bar',
    label: s.protocol,
    data: s.values,
    backgroundColor: withAlpha(protocolColor(s.protocol), 0.85),
    borderColor: protocolColor(s.protocol),
    borderWidth: 1,
    order: 2,
  }));
  datasets.push({
    type: 'line',
    label: `${BASELINE_PROTOCOL} = 1×`,
    data: d.cpuLabels.map(() => 1),
    borderColor: protocolColor(BASELINE_PROTOCOL),
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
        x: { title: axisTitle('CPUs in the mm') },
        y: valueAxis(
          `speedup over ${BASELINE_PROTOCOL} (${d.metricName})`,
          d.log,
          formatRatio,
          logFloor(d.series),
        ),
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar'>) =>
              `${item.dataset.label}: ${(item.parsed.y ?? Number.NaN).toFixed(2)}×`,
          },
        },
      },
    },
  });
}

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

export interface HistoryChartPoint {
  runId: number;
  commitSha: string | null;
  commitSubject: string | null;
  commitTime: string | null;
  startedAt: string;
  branch: string | null;
  value: number | null;
  regression: boolean;
}

/**
 * A metric over commits, oldest left. The x axis is the commit's position (commits are not
 * evenly spaced in time, and position keeps each one clickable); ticks name the commit.
 * Wheel zooms, drag pans, shift-drag zooms to a box; the range is reported so the URL keeps it.
 */
export function historyChart(
  canvas: HTMLCanvasElement,
  d: {
    points: HistoryChartPoint[];
    protocol: string;
    yTitle: string;
    format: Format;
    range: { min: number; max: number } | null;
    onPointClick: (p: HistoryChartPoint) => void;
    onRangeChange: (range: { min: number; max: number } | null) => void;
  },
): AnyChart {
  const color = protocolColor(d.protocol);
  const n = d.points.length;
  let pannedAt = Number.NEGATIVE_INFINITY;
  const reportRange = ({ chart }: { chart: AnyChart }) => {
    const x = chart.scales.x;
    d.onRangeChange(chart.isZoomedOrPanned() ? { min: x.min, max: x.max } : null);
  };
  const reportPan = (ctx: { chart: AnyChart }) => {
    pannedAt = performance.now();
    reportRange(ctx);
  };
  const chart = make(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: d.protocol,
          data: d.points.map((p, i) => ({ x: i, y: p.value })),
          borderColor: color,
          backgroundColor: color,
          borderWidth: 2,
          pointRadius: d.points.map((p) =>
            p.regression ? REGRESSION_POINT_RADIUS_PX : POINT_RADIUS_PX,
          ),
          pointHoverRadius: d.points.map((p) =>
            p.regression ? REGRESSION_POINT_RADIUS_PX + 2 : POINT_RADIUS_PX + 2,
          ),
          pointBackgroundColor: d.points.map((p) => (p.regression ? REGRESSION_COLOR : color)),
          pointBorderColor: d.points.map((p) => (p.regression ? REGRESSION_COLOR : color)),
          spanGaps: true,
        },
      ],
    },
    options: {
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          min: -0.5,
          max: n - 0.5,
          title: axisTitle('commit (oldest left)'),
          // One tick per commit, at its position (the -0.5 padding would otherwise offset them).
          afterBuildTicks: (scale: { min: number; max: number; ticks: { value: number }[] }) => {
            const ticks: { value: number }[] = [];
            for (let i = Math.max(0, Math.ceil(scale.min)); i <= Math.min(n - 1, scale.max); i++) {
              ticks.push({ value: i });
            }
            scale.ticks = ticks;
          },
          ticks: {
            autoSkip: true,
            maxRotation: 0,
            callback: (v: number | string) => {
              const i = Number(v);
              return Number.isInteger(i) && i >= 0 && i < n ? shortSha(d.points[i].commitSha) : '';
            },
          },
        },
        y: {
          beginAtZero: true,
          title: axisTitle(d.yTitle),
          ticks: { callback: (v: number | string) => d.format(Number(v)) },
        },
      },
      onClick: (_e: ChartEvent, elements: ActiveElement[]) => {
        // A drag that pans and ends over a point also clicks it; that is not a request to leave.
        if (performance.now() - pannedAt < PAN_CLICK_GUARD_MS) return;
        if (elements.length > 0) d.onPointClick(d.points[elements[0].index]);
      },
      onHover: (e: ChartEvent, elements: ActiveElement[]) => {
        const target = e.native?.target as HTMLElement | undefined;
        if (target) target.style.cursor = elements.length > 0 ? 'pointer' : 'grab';
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => {
              const p = d.points[items[0]?.dataIndex ?? 0];
              return `${shortSha(p.commitSha)} ${p.commitSubject ?? ''}`;
            },
            label: (item: TooltipItem<'line'>) => {
              const p = d.points[item.dataIndex];
              return `${d.protocol}: ${p.value === null ? 'no value' : d.format(p.value)}`;
            },
            afterLabel: (item: TooltipItem<'line'>) => {
              const p = d.points[item.dataIndex];
              const lines = [
                `committed ${formatDate(p.commitTime ?? p.startedAt)}${p.branch ? ` on ${p.branch}` : ''}`,
                `run #${p.runId}, measured ${formatDate(p.startedAt)}`,
              ];
              if (p.regression) lines.unshift('REGRESSION against the previous commit');
              return lines;
            },
            footer: () => 'click: open this run',
          },
        },
        zoom: {
          limits: { x: { min: 'original', max: 'original', minRange: HISTORY_MIN_RANGE_COMMITS } },
          pan: { enabled: true, mode: 'x', onPanComplete: reportPan },
          zoom: {
            wheel: { enabled: true },
            pinch: { enabled: true },
            drag: { enabled: true, modifierKey: 'shift', backgroundColor: withAlpha(color, 0.15) },
            mode: 'x',
            onZoomComplete: reportRange,
          },
        },
      },
    },
  });
  // Applied after creation so that "original" limits (and reset) are the whole history.
  if (d.range) chart.zoomScale('x', d.range, 'none');
  return chart;
}

/**
 * Base against head per case, grouped bars: base grey, head in its protocol's colour; the case's
 * label is coloured by its verdict, so a regression reads red without hunting for it.
 */
export function compareChart(
  canvas: HTMLCanvasElement,
  d: {
    labels: string[];
    keys: string[];
    base: (number | null)[];
    head: (number | null)[];
    headColors: string[];
    labelColors: string[];
    baseLabel: string;
    headLabel: string;
    yTitle: string;
    format: Format;
  },
): AnyChart {
  return make(canvas, {
    type: 'bar',
    data: {
      labels: d.labels,
      datasets: [
        {
          label: d.baseLabel,
          data: d.base,
          backgroundColor: '#c3c9d4',
          borderColor: '#8a94a6',
          borderWidth: 1,
        },
        {
          label: d.headLabel,
          data: d.head,
          backgroundColor: d.headColors.map((c) => withAlpha(c, 0.85)),
          borderColor: d.headColors,
          borderWidth: 1,
        },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          ticks: {
            autoSkip: false,
            maxRotation: 60,
            minRotation: 45,
            color: (c: { index: number }) => d.labelColors[c.index] ?? AXIS_COLOR,
          },
        },
        y: {
          beginAtZero: true,
          title: axisTitle(d.yTitle),
          ticks: { callback: (v: number | string) => d.format(Number(v)) },
        },
      },
      plugins: {
        legend: {
          position: 'bottom',
          labels: {
            // The head's bars wear their protocols' colours; its legend swatch says so instead of
            // borrowing the first bar's.
            generateLabels(chart: AnyChart): LegendItem[] {
              const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
              if (items[1]) {
                items[1].fillStyle = INK_COLOR;
                items[1].strokeStyle = INK_COLOR;
                items[1].text = `${d.headLabel} (bars in protocol colours)`;
              }
              return items;
            },
          },
        },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'bar'>[]) => d.keys[items[0]?.dataIndex ?? 0],
            label: (item: TooltipItem<'bar'>) =>
              `${item.dataset.label}: ${d.format(item.parsed.y ?? Number.NaN)}`,
          },
        },
      },
    },
  });
}

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
    borderColor: withAlpha(INK_COLOR, 0.35),
    borderWidth: 1,
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

/** Oracle findings per protocol and workload: stale uses and lost writes side by side. */
export function correctnessChart(
  canvas: HTMLCanvasElement,
  d: {
    labels: string[];
    staleUses: number[];
    lostWrites: number[];
    ackWindowViolations: number[];
    freedTableWalks: number[];
  },
): AnyChart {
  return make(canvas, {
    type: 'bar',
    data: {
      labels: d.labels,
      datasets: [
        {
          label: 'stale TLB uses (observed)',
          data: d.staleUses,
          backgroundColor: withAlpha(REGRESSION_COLOR, 0.85),
        },
        {
          label: 'lost writes (observed)',
          data: d.lostWrites,
          backgroundColor: withAlpha('#e07b1a', 0.85),
        },
        {
          label: 'ack-window violations',
          data: d.ackWindowViolations,
          backgroundColor: withAlpha('#8a55c9', 0.85),
        },
        {
          label: 'freed-table walks',
          data: d.freedTableWalks,
          backgroundColor: withAlpha('#b5651d', 0.85),
        },
      ],
    },
    options: {
      indexAxis: 'y',
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          beginAtZero: true,
          title: axisTitle('violations found by the oracle (all cases summed)'),
        },
        y: { ticks: { autoSkip: false } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

/** The history view's chart (see chart-theme.ts for the house look). */
import type { ActiveElement, ChartEvent, TooltipItem } from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import { type AnyChart, axisTitle, type Format, make, POINT_RADIUS_PX } from '../chart-theme.js';
import { formatDate, shortSha } from '../format.js';
import { protocolColor, REGRESSION_COLOR, withAlpha } from '../palette.js';

/** A regression in the history must be found at a glance among dozens of commits. */
const REGRESSION_POINT_RADIUS_PX = 7;
/** The click that ends a pan arrives right after it (one frame); a real click comes later. */
const PAN_CLICK_GUARD_MS = 300;
/** Zooming the history closer than this many commits only magnifies one segment. */
const HISTORY_MIN_RANGE_COMMITS = 2;

export interface HistoryChartPoint {
  runId: number;
  commitSha: string | null;
  commitSubject: string | null;
  commitTime: string | null;
  startedAt: string;
  branch: string | null;
  value: number | null;
  regression: boolean;
  /** Why the change against the commit before was not judged (the engines differ). */
  unjudgedReason?: string;
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
              if (p.unjudgedReason) lines.unshift(`${p.unjudgedReason}: the change is not judged`);
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

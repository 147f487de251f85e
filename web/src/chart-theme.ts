/**
 * The charts' shared look (Chart.js, no bundler): no animation (a perf tool redraws on every
 * selector change, and screenshots must show the final frame), one colour per protocol, units on
 * every axis, and the helpers every view's chart builder uses. Each builder lives beside its view
 * (views/*-chart.ts).
 *
 * Chart.js and chartjs-plugin-zoom are loaded as classic scripts before this module (no bundler,
 * no network), so they are reached through their UMD globals; the type imports are erased.
 */
import type {
  Chart as ChartClass,
  ChartConfiguration,
  ChartEvent,
  LegendItem,
  Plugin,
} from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import { DARK, GRID_COLOR, INK_COLOR } from './palette.js';

declare const Chart: typeof ChartClass;

declare global {
  interface Window {
    /** chartjs-plugin-zoom's UMD build publishes itself here. */
    ChartZoom?: Plugin;
  }
}

export type AnyChart = ChartClass;
export type Format = (v: number) => string;

export const FONT_FAMILY =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const FONT_SIZE_PX = 11;
export const AXIS_COLOR = DARK ? '#b8c0cf' : '#4a5163';
export const POINT_RADIUS_PX = 3;

/** An axis title's resolved font, as Chart.js hands it to a plugin. */
interface TitleFont {
  style?: string;
  weight?: string | number | null;
  size?: number;
  family?: string;
}

/** Each axis title as its chart was given it, before fitAxisTitles wrapped it. */
const givenTitles = new WeakMap<object, Map<string, string>>();

/** A title's words in lines no wider than `room`, by `width`; a word wider than room stands alone. */
function wrapWords(text: string, room: number, width: (s: string) => number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && width(`${last} ${word}`) <= room)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * Keeps every axis title within its axis: a title longer than its axis (a y axis on a phone, a
 * long metric name) is wrapped into lines at its spaces, and the chart laid out once more.
 */
const fitAxisTitles: Plugin = {
  id: 'fitAxisTitles',
  afterLayout(chart) {
    const given = givenTitles.get(chart) ?? new Map<string, string>();
    givenTitles.set(chart, given);
    let changed = false;
    for (const [id, scale] of Object.entries(chart.scales)) {
      const options = chart.options.scales?.[id] as
        | { title?: { display?: boolean; text?: string | string[] } }
        | undefined;
      const title = options?.title;
      if (!title?.display || title.text === undefined) continue;
      const shown = [title.text].flat();
      if (!given.has(id)) given.set(id, shown.join(' '));
      const room = scale.isHorizontal() ? scale.width : scale.height;
      if (!(room > 0)) continue;
      const ctx = chart.ctx;
      ctx.save();
      const f = (scale.options as unknown as { title: { font: TitleFont } }).title.font;
      ctx.font = `${f.style ?? 'normal'} ${f.weight ?? 'normal'} ${f.size ?? FONT_SIZE_PX}px ${f.family ?? FONT_FAMILY}`;
      const lines = wrapWords(given.get(id)!, room, (s) => ctx.measureText(s).width);
      ctx.restore();
      if (lines.join('\n') !== shown.join('\n')) {
        title.text = lines.length === 1 ? lines[0] : lines;
        changed = true;
      }
    }
    // Laid out again with the wrapped titles' height; the second pass wraps alike and stops.
    if (changed) requestAnimationFrame(() => chart.update('none'));
  },
};

export function initCharts(): void {
  if (typeof Chart === 'undefined') {
    throw new Error('Chart.js did not load (/vendor/chart.umd.js): the charts cannot be drawn');
  }
  if (!window.ChartZoom) {
    throw new Error(
      'chartjs-plugin-zoom did not load (/vendor/chartjs-plugin-zoom.min.js, after /vendor/hammer.min.js): the dashboard cannot start',
    );
  }
  Chart.register(window.ChartZoom, fitAxisTitles);
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

export function axisTitle(text: string) {
  return { display: true, text, color: INK_COLOR, font: { weight: 'bold' as const } };
}

/** Log axes tick every 1..9 × 10^k; labelling only 1, 2 and 5 keeps them legible. */
const LOG_LABELLED_MANTISSAS = Object.freeze([1, 2, 5]);

export function tickFormatter(log: boolean, format: Format) {
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

/** One protocol's values over a category axis (CPU counts, percentiles). */
export interface ProtocolSeries {
  protocol: string;
  values: (number | null)[];
}

/** The legend items Chart.js would draw for a chart, for builders that add their own. */
export function defaultLegendItems(chart: AnyChart): LegendItem[] {
  return Chart.defaults.plugins.legend.labels.generateLabels(chart);
}

/**
 * A log axis fitted to the data starts at the smallest value, which leaves the smallest bar
 * zero tall; bars need the axis to start a decade lower.
 */
export function logFloor(series: readonly ProtocolSeries[]): number | undefined {
  const positive = series.flatMap((s) => s.values).filter((v): v is number => v !== null && v > 0);
  return positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : undefined;
}

export function valueAxis(title: string, log: boolean, format: Format, min?: number) {
  return {
    type: log ? ('logarithmic' as const) : ('linear' as const),
    min: log ? min : undefined,
    beginAtZero: !log,
    title: axisTitle(log ? `${title}, log scale` : title),
    ticks: { callback: tickFormatter(log, format) },
  };
}

/** The default legend click (hide/show a dataset), skipping legend items that are only notes. */
export function legendToggle(_e: ChartEvent, item: LegendItem, legend: { chart: AnyChart }) {
  if (item.datasetIndex === undefined) return;
  const chart = legend.chart;
  chart.setDatasetVisibility(item.datasetIndex, !chart.isDatasetVisible(item.datasetIndex));
  chart.update();
}

export function formatRatio(v: number): string {
  return `${v < 10 ? Number(v.toFixed(2)) : Math.round(v)}×`;
}

/**
 * Chart.js's generic config types reject what these charts need (bar + line + scatter datasets
 * in one chart, per-point style arrays), so configs are typed loosely here; the browser test
 * reads every chart's data back instead.
 */
export function make(canvas: HTMLCanvasElement, config: unknown): AnyChart {
  return new Chart(canvas, config as ChartConfiguration);
}

/** The compare view's chart (see chart-theme.ts for the house look). */
import type { TooltipItem } from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import { type AnyChart, AXIS_COLOR, axisTitle, make } from '../chart-theme.js';
import { NEUTRAL_COLOR, withAlpha } from '../palette.js';

/** One metric's change per case, head against base, in % (positive is dearer). */
export interface ChangeSeries {
  label: string;
  changes: (number | null)[];
  /** Each bar's colour: its verdict on this metric (red slower, green faster, grey same). */
  colors: string[];
}

/**
 * The change of each case from base to head, in %, as bars that grow from 0: up when the head is
 * dearer, down when cheaper, so a +3 % is as visible as a +300 %. One series per metric compared.
 */
export function changeChart(
  canvas: HTMLCanvasElement,
  d: {
    labels: string[];
    keys: string[];
    labelColors: string[];
    series: ChangeSeries[];
    /** The metrics' thresholds, drawn as dashed lines at ±threshold. */
    thresholdPct: number;
  },
): AnyChart {
  const datasets: unknown[] = d.series.map((s) => ({
    type: 'bar',
    label: s.label,
    data: s.changes,
    backgroundColor: s.colors.map((c) => withAlpha(c, 0.8)),
    borderColor: s.colors,
    borderWidth: 1,
    order: 2,
  }));
  for (const sign of [1, -1]) {
    datasets.push({
      type: 'line',
      label: sign > 0 ? `±${d.thresholdPct} % threshold` : '',
      data: d.labels.map(() => sign * d.thresholdPct),
      borderColor: NEUTRAL_COLOR,
      borderDash: [4, 4],
      borderWidth: 1,
      pointRadius: 0,
      order: 1,
    });
  }
  const pct = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(2)} %`;
  return make(canvas, {
    type: 'bar',
    data: { labels: d.labels, datasets },
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
          title: axisTitle('change, head against base (%): up is dearer'),
          ticks: { callback: (v: number | string) => pct(Number(v)) },
        },
      },
      plugins: {
        legend: {
          position: 'bottom',
          labels: { filter: (item: { text: string }) => item.text !== '' },
        },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'bar'>[]) => d.keys[items[0]?.dataIndex ?? 0],
            label: (item: TooltipItem<'bar'>) =>
              item.dataset.label
                ? `${item.dataset.label}: ${pct(item.parsed.y ?? Number.NaN)}`
                : '',
          },
        },
      },
    },
  });
}

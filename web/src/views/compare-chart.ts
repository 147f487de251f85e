/** The compare view's chart (see chart-theme.ts for the house look). */
import type { LegendItem, TooltipItem } from 'chart.js';
import type {} from 'chartjs-plugin-zoom';
import {
  type AnyChart,
  AXIS_COLOR,
  axisTitle,
  defaultLegendItems,
  type Format,
  make,
} from '../chart-theme.js';
import { INK_COLOR, withAlpha } from '../palette.js';

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
              const items = defaultLegendItems(chart);
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

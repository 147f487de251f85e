import type {} from 'chartjs-plugin-zoom';
import { type AnyChart, axisTitle, make } from '../chart-theme.js';
import { REGRESSION_COLOR, withAlpha } from '../palette.js';

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

import type {} from 'chartjs-plugin-zoom';
import { type AnyChart, axisTitle, make } from '../chart-theme.js';
import { VIOLATION_COLORS, withAlpha } from '../palette.js';

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
          backgroundColor: withAlpha(VIOLATION_COLORS.staleUses, 0.85),
        },
        {
          label: 'lost writes (observed)',
          data: d.lostWrites,
          backgroundColor: withAlpha(VIOLATION_COLORS.lostWrites, 0.85),
        },
        {
          label: 'ack-window violations',
          data: d.ackWindowViolations,
          backgroundColor: withAlpha(VIOLATION_COLORS.ackWindowViolations, 0.85),
        },
        {
          label: 'freed-table walks',
          data: d.freedTableWalks,
          backgroundColor: withAlpha(VIOLATION_COLORS.freedTableWalks, 0.85),
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

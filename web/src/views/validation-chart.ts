import { type AnyChart, axisTitle, make } from '../chart-theme.js';
import { INK_COLOR, protocolColor, withAlpha } from '../palette.js';

/**
 * One measurement's ratios: each point's time over the baseline point's, published (solid) beside
 * modeled (pale), so a gap between the two bars is the model's error.
 */
export function validationChart(
  canvas: HTMLCanvasElement,
  d: {
    labels: string[];
    protocols: string[];
    published: number[];
    modeled: number[];
  },
): AnyChart {
  return make(canvas, {
    type: 'bar',
    data: {
      labels: d.labels,
      datasets: [
        {
          label: 'published',
          data: d.published,
          backgroundColor: d.protocols.map((p) => protocolColor(p)),
          borderColor: INK_COLOR,
          borderWidth: 1,
        },
        {
          label: 'modeled',
          data: d.modeled,
          backgroundColor: d.protocols.map((p) => withAlpha(protocolColor(p), 0.35)),
          borderColor: d.protocols.map((p) => protocolColor(p)),
          borderWidth: 2,
        },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, title: axisTitle('÷ the first point') },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

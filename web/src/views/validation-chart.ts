import { type AnyChart, axisTitle, make } from '../chart-theme.js';
import { INK_COLOR, protocolColor, withAlpha } from '../palette.js';

/**
 * One measurement's speedups: each protocol's time as a ratio to the baseline, published (solid)
 * beside modeled (hatched by transparency), so a gap between the two bars is the model's error.
 */
export function validationChart(
  canvas: HTMLCanvasElement,
  d: { protocols: string[]; published: number[]; modeled: number[]; baseline: string },
): AnyChart {
  return make(canvas, {
    type: 'bar',
    data: {
      labels: d.protocols,
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
        y: { beginAtZero: true, title: axisTitle(`÷ ${d.baseline}`) },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

/**
 * Every series colour keeps WCAG 2.1's contrast for graphical objects (at least 3:1, success
 * criterion 1.4.11) against the panel it is drawn on, in the light scheme and in the dark one:
 * each protocol's row colour, compare's verdict colours, the oracle's violation kinds and the
 * edge of each flush phase's bar (its fill is pastel, its edge holds the contrast). The
 * panel colours are read from web/style.css, so a change to either side is checked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROTOCOL_TRAITS, PROTOCOLS } from '../sim/index.js';

const CSS = readFileSync(new URL('../../web/style.css', import.meta.url), 'utf8');

/** --panel in :root, then in the dark scheme's :root. */
function panels(): { light: string; dark: string } {
  const dark = CSS.slice(CSS.indexOf('@media (prefers-color-scheme: dark)'));
  const panel = (s: string) => /--panel:\s*(#[0-9a-f]{6})/i.exec(s)?.[1] ?? '';
  return { light: panel(CSS), dark: panel(dark) };
}

/** WCAG 2.1 relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('the formula: black on white is 21:1, a colour on itself 1:1', () => {
  assert.ok(Math.abs(contrast('#000000', '#ffffff') - 21) < 1e-9);
  assert.equal(contrast('#3d70c4', '#3d70c4'), 1);
});

test('every series colour has contrast ≥ 3 against the panel in both schemes', async () => {
  const palette = await import(new URL('../web/palette.js', import.meta.url).href);
  const { light, dark } = panels();
  assert.match(light, /^#/);
  assert.match(dark, /^#/);
  const series: [string, string][] = [
    ...PROTOCOLS.map((p): [string, string] => [p, PROTOCOL_TRAITS[p].color]),
    ['regression', palette.REGRESSION_COLOR],
    ['improvement', palette.IMPROVEMENT_COLOR],
    ['neutral', palette.NEUTRAL_COLOR],
    ...Object.entries(palette.VIOLATION_COLORS as Record<string, string>),
    // A phase's bar is pastel, outlined in its edge: the edge is what must stand out.
    ...(palette.FLUSH_PHASES as { id: string; color: string }[]).map((p): [string, string] => [
      `phase ${p.id} (edge)`,
      palette.phaseEdge(p.color),
    ]),
  ];
  const low = series.flatMap(([name, color]) =>
    [light, dark]
      .map((panel) => ({ name, color, panel, ratio: contrast(color, panel) }))
      .filter((x) => x.ratio < 3),
  );
  assert.deepEqual(
    low.map((x) => `${x.name} ${x.color} on ${x.panel}: ${x.ratio.toFixed(2)}`),
    [],
  );
});

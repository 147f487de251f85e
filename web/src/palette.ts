/**
 * Colours that mean the same thing on every chart and table: one per protocol (the protocol
 * table's), one per phase of a flush, one per compare verdict. A reader who learnt a protocol's
 * colour on the overview must not have to relearn it on the timeline.
 */

/** Each protocol's colour is its row's in the protocol table (protocols.ts, protocolColor). */
export { protocolColor } from './protocols.js';

/** `#rrggbb` at an opacity, for fills under lines and overlapping histograms. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export const REGRESSION_COLOR = '#d23c3c';
export const IMPROVEMENT_COLOR = '#23955a';
export const NEUTRAL_COLOR = '#8a94a6';
/** One per kind of violation the oracle counts (the Correctness view's bars). */
export const VIOLATION_COLORS = Object.freeze({
  staleUses: REGRESSION_COLOR,
  lostWrites: '#d4701a',
  ackWindowViolations: '#8a55c9',
  freedTableWalks: '#b5651d',
});
/** The reader's colour scheme at load (prefers-color-scheme): the charts' ink and grid follow it. */
export const DARK =
  typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
export const INK_COLOR = DARK ? '#e6e9ef' : '#1f2430';
export const GRID_COLOR = DARK ? '#323847' : '#e6e9ef';

/** sRGB channel (0–255) to linear light, and back: WCAG 2.1's relative luminance works in linear. */
const toLinear = (c: number) => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const toSrgb = (l: number) =>
  Math.round(255 * (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055));

/**
 * The luminance of a phase's edge: 4.2:1 against the light panel (#ffffff) and 3.9:1 against
 * the dark one (#1b1f27), so that one edge colour holds WCAG's 3:1 for graphics in both schemes.
 */
const EDGE_LUMINANCE = 0.2;

/**
 * The edge a phase's bar is outlined in: its fill's hue, scaled in linear light to
 * EDGE_LUMINANCE. The fills are pastel so that a stack of phases reads as one bar; the edge is
 * what keeps each segment visible against the panel (test/colour-contrast.test.ts).
 */
export function phaseEdge(fill: string): string {
  const n = Number.parseInt(fill.slice(1), 16);
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(toLinear);
  const lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  const k = EDGE_LUMINANCE / Math.max(lum, 1e-6);
  return `#${rgb
    .map((l) =>
      toSrgb(Math.min(1, l * k))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/**
 * Phases of one flush on the timeline, in the order a flush goes through them. Waiting is
 * tinted red: it is the time the protocols compete to remove.
 */
export const FLUSH_PHASES = Object.freeze([
  { id: 'is-lazy', label: 'read targets\u2019 is_lazy (5.2)', color: '#e8c3c3' },
  { id: 'queue-csd', label: 'queue csd', color: '#b9c3d6' },
  { id: 'send-ipi', label: 'send IPI', color: '#e9a23b' },
  { id: 'ipi-flight', label: 'IPI in flight', color: '#f5d9a6' },
  { id: 'irq-entry', label: 'IRQ entry', color: '#c7a8e0' },
  { id: 'read-info', label: 'read/copy flush info', color: '#8fa3c2' },
  { id: 'flush-func', label: 'flush_tlb_func overhead', color: '#a9d6db' },
  { id: 'tlb-gen', label: "mm's tlb_gen line", color: '#6f8fb8' },
  { id: 'flush', label: 'TLB flush', color: '#1b9aaa' },
  { id: 'pti-flush', label: 'PTI: user PCID flush', color: '#0f6570' },
  { id: 'ack', label: 'ack (csd unlock)', color: '#23955a' },
  { id: 'irq-exit', label: 'IRQ exit (off the sender’s path)', color: '#e3d5ef' },
  { id: 'wait-acks', label: 'wait for acks', color: '#f2b8b8' },
  { id: 'invlpgb', label: 'INVLPGB', color: '#8a55c9' },
  { id: 'tlbsync', label: 'TLBSYNC wait', color: '#d9c6ef' },
  { id: 'other', label: 'other', color: '#d0d4db' },
]);

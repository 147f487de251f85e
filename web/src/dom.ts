/**
 * Building DOM nodes from code. The page runs under `Content-Security-Policy: default-src 'self'`,
 * so markup is never assembled as strings: no inline style or handler could slip through, and
 * no stored commit subject can inject markup.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/** `h('a', { href: '#/x', class: 'link' }, 'text', child)`; false/null attrs and children are skipped. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/**
 * A canvas in a sized box — Chart.js fills its parent, so the box decides the chart's height —
 * with a button that saves what is drawn as a PNG named after the chart.
 */
export function chartBox(
  id: string,
  size: 'small' | 'medium' | 'tall' = 'medium',
): {
  box: HTMLDivElement;
  canvas: HTMLCanvasElement;
} {
  const canvas = h('canvas', { id, role: 'img' });
  const save = h(
    'button',
    { type: 'button', class: 'button save-png', id: `${id}-save` },
    'Save PNG',
  );
  save.addEventListener('click', () => {
    const a = h('a', { href: canvas.toDataURL('image/png'), download: `flushbench-${id}.png` });
    a.click();
  });
  const box = h(
    'div',
    { class: 'chart-wrap' },
    h('div', { class: 'chart-actions' }, save),
    h('div', { class: `chart-box chart-${size}` }, canvas),
  );
  return { box, canvas };
}

/** A titled panel: the unit every view is laid out in. */
export function panel(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

export function table(
  head: readonly (string | Node)[],
  rows: readonly (readonly Child[])[],
  attrs: Attrs = {},
): HTMLTableElement {
  return h(
    'table',
    { class: 'data', ...attrs },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

/** A small coloured square before a protocol's name, matching its chart colour. */
export function swatch(color: string): HTMLSpanElement {
  const s = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  s.style.backgroundColor = color;
  return s;
}

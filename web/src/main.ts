/**
 * The dashboard's entry: the nav bar, the error banner, and the render loop that draws the view
 * the URL names. Each navigation is one render; a newer one supersedes an older still waiting
 * for the server (see view-context.ts), and every failure reaches the banner — none is
 * swallowed.
 */
import { ApiError, getHealth } from './api.js';
import { initCharts } from './chart-theme.js';
import { h } from './dom.js';
import { loadProtocols } from './protocols.js';
import {
  clearReady,
  DEFAULT_VIEW,
  isViewName,
  markReady,
  navHref,
  onRouteChange,
  parseHash,
  VIEW_NAMES,
  type ViewName,
} from './route.js';
import { StaleRender, type View, type ViewContext } from './view-context.js';
import { caseDetailView } from './views/case-detail.js';
import { compareView } from './views/compare.js';
import { correctnessView } from './views/correctness.js';
import { historyView } from './views/history.js';
import { overviewView } from './views/overview.js';
import { timelineView } from './views/timeline.js';
import { validationView } from './views/validation.js';

const VIEWS: Readonly<Record<ViewName, View>> = Object.freeze({
  overview: overviewView,
  case: caseDetailView,
  history: historyView,
  compare: compareView,
  correctness: correctnessView,
  timeline: timelineView,
  validation: validationView,
});

/** What `body[data-ready]` says when a render ended in the error banner instead of a view. */
const READY_ERROR = 'error';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}: the page and main.js are out of step`);
  return el as T;
}

const viewRoot = byId<HTMLElement>('view');
const banner = byId<HTMLElement>('error-banner');
const nav = byId<HTMLElement>('nav');

function describe(err: unknown): { title: string; detail: string } {
  if (err instanceof ApiError) {
    return {
      title: err.message,
      detail: `${err.code}${err.status ? ` (HTTP ${err.status})` : ''} from ${err.url}`,
    };
  }
  if (err instanceof Error) return { title: err.message, detail: err.name };
  return { title: String(err), detail: '' };
}

function showError(err: unknown): void {
  const { title, detail } = describe(err);
  const close = h(
    'button',
    { type: 'button', class: 'close', title: 'dismiss', 'aria-label': 'dismiss' },
    '×',
  );
  close.addEventListener('click', () => {
    banner.hidden = true;
  });
  banner.replaceChildren(
    h('strong', {}, 'Error: '),
    h('span', { class: 'error-message', id: 'error-message' }, title),
    detail ? h('span', { class: 'error-detail' }, ` — ${detail}`) : '',
    close,
  );
  banner.hidden = false;
  console.error(err);
}

function hideError(): void {
  banner.hidden = true;
  banner.replaceChildren();
}

function drawNav(current: ReturnType<typeof parseHash>): void {
  nav.replaceChildren(
    ...VIEW_NAMES.map((name) =>
      h(
        'a',
        {
          href: navHref(name, current),
          id: `nav-${name}`,
          class: name === current.view ? 'active' : '',
          'aria-current': name === current.view ? 'page' : null,
        },
        VIEWS[name].title,
      ),
    ),
    // The API's own page (GET /openapi.json drawn by Swagger UI), served by the same server.
    h('a', { href: '/api/docs', id: 'nav-api', class: 'nav-external' }, 'API'),
  );
}

let generation = 0;
let charts: { destroy(): void }[] = [];

async function render(): Promise<void> {
  const mine = ++generation;
  clearReady();
  hideError();
  for (const c of charts) c.destroy();
  charts = [];

  const route = parseHash();
  drawNav(route);
  const container = h('div', { class: `view view-${route.view}` });
  viewRoot.replaceChildren(container);
  if (!isViewName(route.view)) {
    showError(
      new RangeError(`#/${route.view} names no view; the views are ${VIEW_NAMES.join(', ')}`),
    );
    markReady(READY_ERROR);
    return;
  }
  const view = VIEWS[route.view];
  document.title = `${view.title} · flushbench`;
  const stale = () => mine !== generation;
  const ctx: ViewContext = {
    params: route.params,
    root: container,
    async guard<T>(p: Promise<T>): Promise<T> {
      const v = await p;
      if (stale()) throw new StaleRender();
      return v;
    },
    track<C extends { destroy(): void }>(chart: C): C {
      if (stale()) {
        chart.destroy();
        throw new StaleRender();
      }
      charts.push(chart);
      return chart;
    },
  };
  try {
    await ctx.guard(loadProtocols());
    await view.render(ctx);
    if (!stale()) markReady(view.name);
  } catch (err) {
    if (err instanceof StaleRender || stale()) return;
    showError(err);
    markReady(READY_ERROR);
  }
}

async function drawHealth(): Promise<void> {
  const el = byId<HTMLElement>('health');
  try {
    const health = await getHealth();
    el.textContent = `v${health.version} · schema ${health.schemaVersion} · ${health.runs} run${health.runs === 1 ? '' : 's'}`;
  } catch (err) {
    el.textContent = 'server unreachable';
    showError(err);
  }
}

window.addEventListener('error', (e) => showError(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => showError(e.reason));

try {
  initCharts();
  if (!location.hash) history.replaceState(null, '', `#/${DEFAULT_VIEW}`);
  onRouteChange(() => void render());
  void render();
  void drawHealth();
} catch (err) {
  showError(err);
  markReady(READY_ERROR);
}

/**
 * The view lives in the URL hash — `#/overview?run=5&metric=modeled&scale=log` — so a reload or
 * a pasted link brings the same view back, and the server needs to serve only `/`. Every control
 * writes the hash; the hash is the single source of truth a view renders from.
 */

export const VIEW_NAMES = Object.freeze([
  'overview',
  'case',
  'history',
  'compare',
  'correctness',
  'timeline',
  'validation',
] as const);
export type ViewName = (typeof VIEW_NAMES)[number];
export const DEFAULT_VIEW: ViewName = 'overview';

/**
 * Parameters that mean the same on every view that has them: following the nav bar from the
 * overview of run 3 at 8 pages opens the timeline of run 3 at 8 pages.
 */
const STICKY_PARAMS = Object.freeze(['run', 'cpus', 'pages', 'workload', 'protocol']);

export interface Route {
  /** As written in the URL: it may name no view, which the caller reports. */
  view: string;
  params: URLSearchParams;
}

export type ParamChanges = Record<string, string | number | null | undefined>;

export function parseHash(hash: string = location.hash): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const view = (q === -1 ? body : body.slice(0, q)) || DEFAULT_VIEW;
  return { view, params: new URLSearchParams(q === -1 ? '' : body.slice(q + 1)) };
}

export function isViewName(name: string): name is ViewName {
  return (VIEW_NAMES as readonly string[]).includes(name);
}

/** `params` with `changes` applied: null, undefined or '' removes a key. */
export function withParams(params: URLSearchParams, changes: ParamChanges): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  return next;
}

export function hrefOf(view: ViewName, params: URLSearchParams | ParamChanges = {}): string {
  const p = params instanceof URLSearchParams ? params : withParams(new URLSearchParams(), params);
  const qs = p.toString();
  return qs ? `#/${view}?${qs}` : `#/${view}`;
}

/** The link the nav bar gives `view`, carrying the sticky parameters of the current route. */
export function navHref(view: ViewName, current: Route): string {
  const carried = new URLSearchParams();
  for (const k of STICKY_PARAMS) {
    const v = current.params.get(k);
    if (v !== null) carried.set(k, v);
  }
  return hrefOf(view, carried);
}

/**
 * Tests and tools wait on `body[data-ready=<view>]`. It is cleared here, synchronously, before
 * the hash changes: a waiter that starts right after a click must never see the previous
 * view's mark and mistake it for the new one.
 */
export function clearReady(): void {
  delete document.body.dataset.ready;
}

export function markReady(state: string): void {
  document.body.dataset.ready = state;
  performance.mark(`flushbench:ready:${state}`);
}

const RERENDER_EVENT = 'flushbench:rerender';

export function navigate(view: ViewName, params: URLSearchParams | ParamChanges = {}): void {
  clearReady();
  const href = hrefOf(view, params);
  // Setting the same hash fires no hashchange; a control that re-selects its value still expects
  // the view to redraw (and to set data-ready again), so ask for it directly.
  if (href === location.hash) window.dispatchEvent(new Event(RERENDER_EVENT));
  else location.hash = href;
}

/** Re-renders the current view with some parameters changed. */
export function setParams(changes: ParamChanges): void {
  const { view, params } = parseHash();
  navigate(isViewName(view) ? view : DEFAULT_VIEW, withParams(params, changes));
}

/**
 * Records parameters in the URL without redrawing — for state the chart already shows, such as
 * a zoom range the user just dragged to. replaceState keeps the back button for real moves.
 */
export function recordParams(changes: ParamChanges): void {
  const { view, params } = parseHash();
  const href = hrefOf(isViewName(view) ? view : DEFAULT_VIEW, withParams(params, changes));
  history.replaceState(history.state, '', href);
}

export function onRouteChange(listener: () => void): void {
  window.addEventListener('hashchange', () => {
    clearReady();
    listener();
  });
  window.addEventListener(RERENDER_EVENT, listener);
}

/**
 * What a view gets to draw with, and how a superseded drawing stops. The user may change a
 * selector while the previous answer is still on its way; the older render must then neither
 * draw into the page nor leave a chart behind.
 */
import type { ViewName } from './route.js';

/** Thrown by `guard` once a newer navigation has started; the render loop swallows it. */
export class StaleRender extends Error {
  constructor() {
    super('a newer navigation superseded this render');
    this.name = 'StaleRender';
  }
}

export interface ViewContext {
  readonly params: URLSearchParams;
  /** The view's own container, already in the page (Chart.js measures its parent). */
  readonly root: HTMLElement;
  /** Awaits `p`, then throws StaleRender if the user has moved on meanwhile. */
  guard<T>(p: Promise<T>): Promise<T>;
  /** Hands a chart to the render loop, which destroys it when the view is left. */
  track<C extends { destroy(): void }>(chart: C): C;
}

export interface View {
  readonly name: ViewName;
  /** The nav bar's label. */
  readonly title: string;
  render(ctx: ViewContext): Promise<void>;
}

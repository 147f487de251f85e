/**
 * A run's cases form a grid — protocol × workload × cpus × pages — and every view shows a slice
 * of it. These pick the slice's coordinates from the URL, falling back to what the run has.
 */
import type { Case } from './api.js';

/** Anything with a case's coordinates: a run's case, or a case kind across runs. */
export type Coordinates = Pick<Case, 'protocol' | 'workload' | 'cpus' | 'pages'>;

import { byProtocolOrder } from './protocols.js';

/** Workloads in the order the suites introduce them: the plain madvise shootdown first. */
export const WORKLOAD_ORDER = Object.freeze([
  'madvise',
  'idle',
  'idle-loaded',
  'irqs-off',
  'crosscall',
  'multi',
  'tlb_flush1',
  'tlb_flush2',
  'tlb_flush3',
]);

function byWorkloadOrder(a: string, b: string): number {
  const ia = WORKLOAD_ORDER.indexOf(a);
  const ib = WORKLOAD_ORDER.indexOf(b);
  if (ia !== ib) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
  return a.localeCompare(b);
}

export function distinctCpus(cases: readonly Coordinates[]): number[] {
  return [...new Set(cases.map((c) => c.cpus))].sort((a, b) => a - b);
}

export function distinctPages(cases: readonly Coordinates[]): number[] {
  return [...new Set(cases.map((c) => c.pages))].sort((a, b) => a - b);
}

export function distinctWorkloads(cases: readonly Coordinates[]): string[] {
  return [...new Set(cases.map((c) => c.workload))].sort(byWorkloadOrder);
}

export function distinctProtocols(cases: readonly Coordinates[]): string[] {
  return [...new Set(cases.map((c) => c.protocol))].sort(byProtocolOrder);
}

/** A URL choice among what exists; `requested` is set when the URL asked for what does not. */
export interface Choice<T> {
  value: T;
  requested: string | null;
}

export function chooseNumber(
  params: URLSearchParams,
  name: string,
  available: readonly number[],
  preferred: (available: readonly number[]) => number | undefined = (a) => a[0],
): Choice<number> | null {
  if (available.length === 0) return null;
  const raw = params.get(name);
  const wanted = raw === null ? Number.NaN : Number(raw);
  if (available.includes(wanted)) return { value: wanted, requested: null };
  return { value: preferred(available) ?? available[0], requested: raw };
}

export function chooseString(
  params: URLSearchParams,
  name: string,
  available: readonly string[],
  preferred?: string,
): Choice<string> | null {
  if (available.length === 0) return null;
  const raw = params.get(name);
  if (raw !== null && available.includes(raw)) return { value: raw, requested: null };
  const value = preferred !== undefined && available.includes(preferred) ? preferred : available[0];
  return { value, requested: raw };
}

/** The largest CPU count: there the protocols lie furthest apart. */
export const largestCpus = (a: readonly number[]): number | undefined => a[a.length - 1];

/** A (workload, pages, cpus) point of a grid of cases, each choice narrowing the next. */
export interface GridPoint<C extends Coordinates> {
  cases: readonly C[];
  workload: Choice<string> | null;
  pages: Choice<number> | null;
  cpus: Choice<number> | null;
  /** The cases of the chosen workload, and of its chosen page count. */
  ofWorkload: C[];
  ofPages: C[];
}

export function chooseGridPoint<C extends Coordinates>(
  params: URLSearchParams,
  cases: readonly C[],
): GridPoint<C> {
  const workload = chooseString(params, 'workload', distinctWorkloads(cases), 'madvise');
  const ofWorkload = cases.filter((c) => c.workload === workload?.value);
  const pages = chooseNumber(params, 'pages', distinctPages(ofWorkload));
  const ofPages = ofWorkload.filter((c) => c.pages === pages?.value);
  const cpus = chooseNumber(params, 'cpus', distinctCpus(ofPages), largestCpus);
  return { cases, workload, pages, cpus, ofWorkload, ofPages };
}

/** "pages=16 is not in this run; showing pages=1." for every URL choice that fell back. */
export function fallbackNotes(choices: Record<string, Choice<unknown> | null>): string[] {
  const notes: string[] = [];
  for (const [name, c] of Object.entries(choices)) {
    if (c?.requested != null) {
      notes.push(`${name}=${c.requested} is not in this run; showing ${name}=${String(c.value)}.`);
    }
  }
  return notes;
}

export function caseAt(
  cases: readonly Case[],
  at: { protocol: string; workload: string; cpus: number; pages: number },
): Case | undefined {
  return cases.find(
    (c) =>
      c.protocol === at.protocol &&
      c.workload === at.workload &&
      c.cpus === at.cpus &&
      c.pages === at.pages,
  );
}

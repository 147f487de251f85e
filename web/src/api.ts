/**
 * The dashboard's only door to the data: typed calls to the flushbench server's JSON API on the
 * same origin. Every non-2xx answer becomes an ApiError carrying the server's own code and
 * message, so a view can show the user exactly what the server said.
 */

export interface Health {
  status: 'ok';
  version: string;
  schemaVersion: number;
  runs: number;
}

export type {
  CaseComparison,
  Comparison,
  Metric as CompareMetric,
  MetricComparison,
  RunSide as CompareSide,
  Verdict,
  WallComparison,
  WallVerdict,
} from '../../data/comparison.js';
export type { History, HistoryMetric, HistoryPoint } from '../../data/history-points.js';
/**
 * The run record and what the store reads back, defined once in data/ (TypeBox): types only,
 * erased at build, so this page still knows the server by its HTTP answers alone.
 */
export type {
  CaseStatus,
  CommitInfo,
  DefaultEngine,
  Engine,
  HostInfo,
  HostProfileName,
  ModeledStats,
  OracleRecord as OracleResult,
  Schedule,
  Trace,
  TraceEvent,
  TraceStep,
  Violation,
  WallStats,
} from '../../data/run-record.js';
export type {
  CaseKind,
  RunSummary,
  Samples,
  StoredCase as Case,
  StoredRun as Run,
} from '../../data/stored.js';
export type {
  PointSensitivity,
  PublishedMeasurement,
  ValidationConfig,
  ValidationRow,
} from '../../data/validation.js';

import type { Metric as CompareMetric, Comparison } from '../../data/comparison.js';
import type { History, HistoryMetric } from '../../data/history-points.js';
import type { Trace } from '../../data/run-record.js';
import type { CaseKind, StoredRun as Run, RunSummary, Samples } from '../../data/stored.js';

export const EXPORT_FORMATS = Object.freeze(['json', 'csv', 'bmf', 'gab'] as const);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The server's error answer, or a transport failure dressed the same way. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly url: string;

  constructor(message: string, code: string, status: number, url: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.url = url;
  }
}

/** Codes for failures the server could not describe itself (no answer, or not JSON). */
const ERR_NETWORK = 'FLUSHBENCH_ERR_NETWORK';
const ERR_BAD_RESPONSE = 'FLUSHBENCH_ERR_BAD_RESPONSE';

type Query = Record<string, string | number | undefined | null>;

function urlOf(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function getJson<T>(url: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (cause) {
    // The registry row's words (common/errors.ts, NETWORK): the server, then why.
    const why = (cause as Error | undefined)?.message || 'no answer';
    throw new ApiError(
      `could not reach the server at ${location.origin}: ${why} (${url})`,
      ERR_NETWORK,
      0,
      url,
      cause,
    );
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (cause) {
    throw new ApiError(
      `${url} answered ${res.status} ${res.statusText} with a body that is not JSON`,
      ERR_BAD_RESPONSE,
      res.status,
      url,
      cause,
    );
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      err?.message ?? `${url} answered ${res.status} ${res.statusText}`,
      err?.code ?? ERR_BAD_RESPONSE,
      res.status,
      url,
    );
  }
  return body as T;
}

/**
 * A stored run, its samples and its traces never change once written, so their answers are
 * kept for the page's life: moving between views and selectors then costs no round trip.
 * Failed answers are dropped so that a retry asks again.
 */
const immutable = new Map<string, Promise<unknown>>();

function getImmutable<T>(url: string): Promise<T> {
  let p = immutable.get(url) as Promise<T> | undefined;
  if (!p) {
    p = getJson<T>(url);
    immutable.set(url, p);
    p.catch(() => immutable.delete(url));
  }
  return p;
}

/**
 * A protocol of the server's table: what it is, its role and colour and, for a negative control,
 * what it breaks.
 */
export interface ProtocolInfo {
  name: string;
  summary: string;
  role: 'baseline' | 'headline' | 'candidate' | 'historical' | 'control';
  color: string;
  control: { breaks: string; caughtBy: string } | null;
}

export async function getProtocols(): Promise<ProtocolInfo[]> {
  return (await getImmutable<{ protocols: ProtocolInfo[] }>('/api/protocols')).protocols;
}

/** A cost profile as the dashboard needs it: its clock turns modeled cycles into ns. */
export interface ProfileInfo {
  name: string;
  description: string;
  ghz: number;
  pti: boolean;
  apicMode: string;
}

export async function getProfiles(): Promise<ProfileInfo[]> {
  return (await getImmutable<{ profiles: ProfileInfo[] }>('/api/profiles')).profiles;
}

export function getHealth(): Promise<Health> {
  return getJson<Health>('/api/health');
}

export async function listRuns(
  query: { limit?: number; offset?: number; branch?: string; commit?: string; suite?: string } = {},
): Promise<RunSummary[]> {
  return (await getJson<{ runs: RunSummary[] }>(urlOf('/api/runs', query))).runs;
}

export function getRun(id: number): Promise<Run> {
  return getImmutable<Run>(`/api/runs/${id}`);
}

export function getSamples(runId: number, caseId: number): Promise<Samples> {
  return getImmutable<Samples>(`/api/runs/${runId}/cases/${caseId}/samples`);
}

export function getTrace(runId: number, caseId: number): Promise<Trace> {
  return getImmutable<Trace>(`/api/runs/${runId}/cases/${caseId}/trace`);
}

export function exportUrl(runId: number, format: ExportFormat): string {
  return urlOf(`/api/runs/${runId}/export`, { format });
}

export function compare(query: {
  base?: string;
  head?: string;
  metric?: CompareMetric;
  threshold?: number;
  alpha?: number;
}): Promise<Comparison> {
  return getJson<Comparison>(urlOf('/api/compare', query));
}

export async function listCases(): Promise<CaseKind[]> {
  return (await getJson<{ cases: CaseKind[] }>('/api/cases')).cases;
}

export function getHistory(query: {
  protocol: string;
  cpus: number;
  pages: number;
  workload: string;
  profile?: string;
  metric: HistoryMetric;
  limit?: number;
  branch?: string;
  host?: string;
}): Promise<History> {
  return getJson<History>(urlOf('/api/history', query));
}

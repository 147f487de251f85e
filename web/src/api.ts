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

export interface RunSummary {
  id: number;
  uuid: string;
  startedAt: string;
  endedAt: string;
  commitSha: string | null;
  commitSubject: string | null;
  commitTime: string | null;
  branch: string | null;
  dirty: boolean | null;
  suite: string;
  profile: string;
  cases: number;
  failures: number;
}

export interface CommitInfo {
  sha: string;
  branch: string | null;
  dirty: boolean;
  subject: string;
  time: string;
}

export interface HostInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  os: string;
  nodeVersion: string;
}

export interface WallStats {
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
  rme: number | null;
  count: number;
}

export interface ModeledStats {
  p50: number;
  mean: number;
  p99: number;
  iterationMean: number;
  remoteHandlerMean: number;
}

export interface Violation {
  kind: string;
  cpu: number;
  vpn: number;
  entryGen: number;
  flushedGen: number;
  tlbGen?: number;
  step: string;
}

export interface OracleResult {
  checkedAccesses: number;
  staleUses: number;
  lostWrites: number;
  /** Null in runs recorded before the ack-window rule and freed-table walks existed. */
  ackWindowViolations?: number | null;
  freedTableWalks?: number | null;
  firstViolation: Violation | null;
}

export type CaseStatus = 'completed' | 'violated' | 'errored';

export interface Case {
  id: number;
  key: string;
  protocol: string;
  workload: string;
  cpus: number;
  pages: number;
  profile: string;
  status: CaseStatus;
  error: { code: string; message: string } | null;
  wallNs: WallStats | null;
  modeledCycles: ModeledStats | null;
  counters: Record<string, number> | null;
  oracle: OracleResult | null;
  samplesTotal: number;
  hasTrace: boolean;
}

export interface Run {
  id: number;
  uuid: string;
  commit: CommitInfo | null;
  startedAt: string;
  endedAt: string;
  host: HostInfo;
  flushbenchVersion: string;
  suite: string;
  profile: string;
  config: Record<string, unknown>;
  cases: Case[];
}

export interface Samples {
  caseId: number;
  samplesNs: number[];
  modeledCyclesSamples: number[];
  total: number;
}

export interface TraceEvent {
  cpu: number;
  event: string;
  cycles: number;
  peer?: number;
}

export interface TraceStep {
  seq: number;
  cpu: number;
  step: string;
  peer?: number;
}

export interface Trace {
  events: TraceEvent[];
  steps: TraceStep[] | null;
}

export type Verdict = 'faster' | 'slower' | 'same' | 'new' | 'missing' | 'failed';

export interface CompareSide {
  id: number;
  commit: string | null;
  subject: string | null;
  branch: string | null;
}

export interface MetricComparison {
  base: number;
  head: number;
  changePct: number;
  verdict: Verdict;
}

export interface WallComparison extends MetricComparison {
  p: number;
  pAdjusted: number;
}

export interface CaseComparison {
  key: string;
  verdict: Verdict;
  modeled: MetricComparison | null;
  wall: WallComparison | null;
  note?: string;
}

export type CompareMetric = 'modeled' | 'wall' | 'both';

export interface Comparison {
  base: CompareSide;
  head: CompareSide;
  metric: CompareMetric;
  modeledThresholdPct: number;
  wallThresholdPct: number;
  alpha: number;
  cases: CaseComparison[];
  regressions: number;
  improvements: number;
  failures: number;
  failed: boolean;
}

export type HistoryMetric = 'modeled' | 'wall-p50' | 'wall-p99';

export interface HistoryPoint {
  runId: number;
  commitSha: string | null;
  commitSubject: string | null;
  commitTime: string | null;
  branch: string | null;
  startedAt: string;
  value: number | null;
  regression: boolean;
}

export interface History {
  key: string;
  metric: HistoryMetric;
  points: HistoryPoint[];
}

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
    throw new ApiError(`could not reach the server for ${url}`, ERR_NETWORK, 0, url, cause);
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

export function getHealth(): Promise<Health> {
  return getJson<Health>('/api/health');
}

export async function listRuns(
  query: { limit?: number; offset?: number; branch?: string; commit?: string } = {},
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

/** A case that some run measured, and how many runs did. */
export interface CaseKind {
  key: string;
  protocol: string;
  workload: string;
  cpus: number;
  pages: number;
  profile: string;
  runs: number;
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
}): Promise<History> {
  return getJson<History>(urlOf('/api/history', query));
}

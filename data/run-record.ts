/**
 * A run as flushbench stores, prints (`bench --json`), exports (`export --format json`) and
 * ingests it: plain JSON, the same shape everywhere.
 */

export const CASE_STATUSES = Object.freeze(['completed', 'violated', 'errored'] as const);
export type CaseStatus = (typeof CASE_STATUSES)[number];

export interface CommitInfo {
  sha: string;
  branch: string | null;
  dirty: boolean;
  subject: string;
  /** ISO 8601. */
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
  /** tinybench's relative margin of error of the mean, %. */
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

export interface OracleRecord {
  checkedAccesses: number;
  /** The observed rule (see sim/oracle.ts). */
  staleUses: number;
  lostWrites: number;
  /**
   * The ack-window rule, and walks through cached entries of freed page tables; null in runs
   * recorded before these rules existed.
   */
  ackWindowViolations: number | null;
  freedTableWalks: number | null;
  /** kind, cpu, vpn, generations and step of the first violation (see sim's Violation). */
  firstViolation: Record<string, unknown> | null;
}

export interface CaseRecord {
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
  oracle: OracleRecord | null;
  /** Wall-clock samples, ns (thinned to evenly spaced order statistics past a limit). */
  samplesNs: number[];
  /** How many samples were taken before thinning. */
  samplesTotal: number;
  modeledCyclesSamples: number[];
  trace: { events: unknown[]; steps: unknown[] | null } | null;
}

export interface RunRecord {
  /** Identity across machines: a second upload of the same run is recognised. */
  uuid: string;
  commit: CommitInfo | null;
  startedAt: string;
  endedAt: string;
  host: HostInfo;
  flushbenchVersion: string;
  suite: string;
  profile: string;
  config: Record<string, unknown>;
  cases: CaseRecord[];
}

/** The stable key cases are matched by across runs. */
export function caseKey(c: {
  workload: string;
  protocol: string;
  cpus: number;
  pages: number;
  profile: string;
}): string {
  return `${c.workload}/${c.protocol}/cpus=${c.cpus}/pages=${c.pages}/${c.profile}`;
}

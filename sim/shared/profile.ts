/**
 * Cost profiles: one JSON file per machine model under sim/profiles/, each primitive cost with
 * its source. Loading turns every cost into a whole number of cycles once, so that modeled
 * results are sums of integers and come out bit-identical run after run.
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonFile } from '../../common/json-file.js';
import { invalidProfile, invalidRange } from './errors.js';
import { apicId, hardwareThreads, type Topology } from './topology.js';

export {
  apicId,
  DIST_LLC,
  DIST_REMOTE_SOCKET,
  DIST_SELF,
  DIST_SMT,
  DIST_SOCKET,
  DISTANCE_NAMES,
  distance,
  distanceMatrix,
  hardwareThreads,
  placeCpu,
  type Topology,
} from './topology.js';

export const COST_KEYS = Object.freeze([
  'ipiSend',
  'ipiEntry',
  'ipiExit',
  'lineTransferSmt',
  'lineTransferLlc',
  'lineTransferSocket',
  'lineTransferRemoteSocket',
  'invlpg',
  'invpcid',
  'fullFlush',
  'flushTlbFunc',
  'pageWalk',
  'tlbHit',
  'inlineCopy',
  'localAtomic',
  'pteUpdate',
  'madviseBody',
  'pageFree',
  'pageFault',
  'syscall',
  'idleWake',
  'invlpgb',
  'tlbsync',
] as const);
export type CostKey = (typeof COST_KEYS)[number];

/** Points within tolerance of all points, as validate scores a model (data/fidelity.ts). */
export interface LedgerScore {
  within: number;
  of: number;
}

/**
 * One value a cost has had, in order: the source's own figure for it, the commit that made it
 * the value (null: the commit that added this entry), and validate's score just before and just
 * after that commit (null where validate did not exist yet).
 */
export interface LedgerEntry {
  value: number;
  /** The source's verbatim figure behind the value, or null for an estimate built from parts. */
  figure: string | null;
  commit: string | null;
  validate: { before: LedgerScore | null; after: LedgerScore | null } | null;
  /** Why it changed, and whether a validate miss sent anyone looking for the new source. */
  note: string;
}

export interface CostEntry {
  value: number;
  unit: 'cycles' | 'ns';
  source: string;
  estimate: boolean;
  /** Every value the cost has had, the current one last (built-in profiles keep one). */
  ledger: readonly LedgerEntry[];
}

/** How Linux's x2APIC driver addresses IPIs: one ICR write per cluster of 16, or per CPU. */
export const APIC_MODES = Object.freeze(['x2apic-cluster', 'x2apic-physical'] as const);
export type ApicMode = (typeof APIC_MODES)[number];
/**
 * The most CPUs one logical-mode ICR write can reach: the x2APIC logical ID is the cluster in
 * bits 31:16 and a 16-bit bitmap of the CPUs in it (Linux x2apic_cluster.c: logical ID =
 * (APIC ID >> 4) << 16 | 1 << (APIC ID & 0xf)). A profile's apicClusterSize is at most this.
 */
export const X2APIC_CLUSTER_SIZE = 16;
/**
 * The most pages one INVLPGB can name: CPUID Fn8000_0008 EDX[15:0] + 1, a 16-bit field, which
 * Linux reads into invlpgb_count_max (arch/x86/kernel/cpu/amd.c).
 */
export const MAX_INVLPGB_PAGES = 65_536;

/** A setting of the machine (not a cost) and where it comes from. */
export interface Setting<T> {
  value: T;
  source: string;
}

export interface Profile {
  name: string;
  description: string;
  ghz: number;
  topology: Topology;
  /** Page-table isolation on: every invalidation is done for the kernel and the user PCID. */
  pti: boolean;
  apicMode: ApicMode;
  /** CPUs one ICR write reaches: 16 (a whole x2APIC cluster) in cluster mode, 1 in physical. */
  apicClusterSize: number;
  /**
   * Pages one INVLPGB invalidates at most (Linux's invlpgb_count_max): a range of more takes one
   * INVLPGB per this many pages.
   */
  invlpgbMaxPages: number;
  /** The PTI, APIC mode, cluster size and INVLPGB settings with their sources. */
  settings: Readonly<{
    pti: Setting<boolean>;
    apicMode: Setting<ApicMode>;
    apicClusterSize: Setting<number>;
    invlpgbMaxPages: Setting<number>;
  }>;
  /** Every cost in whole cycles. */
  cycles: Readonly<Record<CostKey, number>>;
  /** One cache-line transfer, in cycles, indexed by distance class (self costs 0). */
  lineTransferCycles: readonly number[];
  entries: Readonly<Record<CostKey, CostEntry>>;
}

const PROFILES_DIR = fileURLToPath(new URL('../../../sim/profiles/', import.meta.url));

export function profileNames(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => extname(f) === '.json')
    .map((f) => basename(f, '.json'))
    .sort();
}

/** The file of a profile named (sim/profiles/NAME.json) or given by path to a JSON file. */
export function profileFile(nameOrPath: string): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  return isPath ? nameOrPath : `${PROFILES_DIR}${nameOrPath}.json`;
}

/** Loads a profile by name (sim/profiles/NAME.json) or by path to a JSON file. */
export function loadProfile(nameOrPath: string): Profile {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  const file = profileFile(nameOrPath);
  if (!existsSync(file)) {
    throw invalidRange(
      isPath
        ? `--profile must name an existing JSON file (got ${JSON.stringify(nameOrPath)}: no such file)`
        : `--profile must be one of ${profileNames().join(', ')} or a path to a JSON file (got ${JSON.stringify(nameOrPath)})`,
    );
  }
  const raw = readJsonFile(file, (reason) => invalidProfile(`--profile file ${file} ${reason}`));
  const profile = parseProfile(raw, file);
  // Cases are keyed by the profile's name: a file under a built-in's would pass for it.
  const builtIn = isPath && profileNames().includes(profile.name);
  if (builtIn && realpathSync(file) !== realpathSync(profileFile(profile.name))) {
    throw invalidProfile(
      `--profile file ${file}: name must not be a built-in profile's, whose runs its cases would be compared with (got ${JSON.stringify(profile.name)}); give it a name of its own`,
    );
  }
  return profile;
}

function fail(file: string, what: string, value: unknown): never {
  // JSON.stringify writes Infinity and NaN (a cost of 1e999 parses to Infinity) as null.
  const got = typeof value === 'number' ? String(value) : JSON.stringify(value);
  throw invalidProfile(`profile ${file}: ${what} (got ${got})`);
}

/**
 * The dearest cost a profile may give one primitive, in cycles. The dearest real primitives
 * (a cross-socket IPI round trip, a deep C-state exit, a page fault that zeroes a huge page) cost
 * a few µs up to ~100 µs; 10^7 cycles is 5 ms at 2 GHz, a generous ceiling above all of them.
 * It keeps modeled sums finite and exact: 10^6 events of 10^7 cycles sum to 10^13, far below
 * 2^53 ≈ 9·10^15, where a double stops holding every integer. Without it a cost of 1e308 sums to
 * Infinity, and a median of Infinity and 1e308 samples comes out NaN.
 */
export const MAX_COST_CYCLES = 10_000_000;
/** Clock rate ceiling: shipping CPUs boost to about 6 GHz; 10 still refuses MHz typed as GHz. */
export const MAX_GHZ = 10;
/** Clock rate floor: no x86 server part runs below 100 MHz; less is a typo (or 5e-324). */
export const MIN_GHZ = 0.1;
/** A profile's name keys its cases in the store: short, and safe in a file name or a URL. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The largest single-image machines (HPE Superdome Flex) have 32 sockets. */
export const MAX_SOCKETS = 32;
/** Today's densest parts have 192–288 cores per socket; 1024 leaves room for the next ones. */
export const MAX_CORES_PER_SOCKET = 1024;
/** POWER's SMT8 is the most hardware threads per core any CPU has. */
export const MAX_THREADS_PER_CORE = 8;

function positive(
  file: string,
  key: string,
  v: unknown,
  integer: boolean,
  max: number,
  unit = '',
): number {
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    v <= 0 ||
    v > max ||
    (integer && !Number.isInteger(v))
  ) {
    fail(
      file,
      `${key} must be a positive ${integer ? 'integer' : 'number'} of at most ${max}${unit}`,
      v,
    );
  }
  return v;
}

export function parseProfile(raw: unknown, file = '<inline>'): Profile {
  if (typeof raw !== 'object' || raw === null) fail(file, 'the profile must be an object', raw);
  const p = raw as Record<string, unknown>;
  if (typeof p.name !== 'string' || !PROFILE_NAME.test(p.name)) {
    const shown =
      typeof p.name === 'string' && p.name.length > 80 ? `${p.name.slice(0, 80)}…` : p.name;
    fail(
      file,
      'name must be 1 to 64 letters, digits, dots, underscores or hyphens, starting with a letter or digit',
      shown,
    );
  }
  const ghz = positive(file, 'ghz', p.ghz, false, MAX_GHZ);
  if (ghz < MIN_GHZ) fail(file, `ghz must be at least ${MIN_GHZ}`, ghz);
  const t = p.topology as Record<string, unknown> | undefined;
  if (typeof t !== 'object' || t === null) fail(file, 'topology must be an object', t);
  const topology: Topology = {
    sockets: positive(file, 'topology.sockets', t.sockets, true, MAX_SOCKETS),
    coresPerSocket: positive(
      file,
      'topology.coresPerSocket',
      t.coresPerSocket,
      true,
      MAX_CORES_PER_SOCKET,
    ),
    threadsPerCore: positive(
      file,
      'topology.threadsPerCore',
      t.threadsPerCore,
      true,
      MAX_THREADS_PER_CORE,
    ),
    coresPerLlc: positive(file, 'topology.coresPerLlc', t.coresPerLlc, true, MAX_CORES_PER_SOCKET),
  };
  if (topology.coresPerSocket % topology.coresPerLlc !== 0) {
    fail(file, 'topology.coresPerLlc must divide coresPerSocket', topology.coresPerLlc);
  }
  const pti = setting(file, 'pti', p.pti, (v) => typeof v === 'boolean', 'true or false');
  const apicMode = setting(
    file,
    'apicMode',
    p.apicMode,
    (v) => (APIC_MODES as readonly unknown[]).includes(v),
    `one of ${APIC_MODES.join(', ')}`,
  ) as Setting<ApicMode>;
  const apicClusterSize = (
    apicMode.value === 'x2apic-physical'
      ? setting(
          file,
          'apicClusterSize',
          p.apicClusterSize,
          (v) => v === 1,
          '1 in x2apic-physical mode',
        )
      : setting(
          file,
          'apicClusterSize',
          p.apicClusterSize,
          isClusterSize,
          `a power of two from 1 to ${X2APIC_CLUSTER_SIZE} in x2apic-cluster mode`,
        )
  ) as Setting<number>;
  const invlpgbMaxPages = setting(
    file,
    'invlpgbMaxPages',
    p.invlpgbMaxPages,
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_INVLPGB_PAGES,
    `a whole number of pages from 1 to ${MAX_INVLPGB_PAGES} (CPUID Fn8000_0008 EDX[15:0] + 1)`,
  ) as Setting<number>;
  const costs = p.costs as Record<string, unknown> | undefined;
  if (typeof costs !== 'object' || costs === null) fail(file, 'costs must be an object', costs);
  const cycles = {} as Record<CostKey, number>;
  const entries = {} as Record<CostKey, CostEntry>;
  for (const key of COST_KEYS) {
    const e = costs[key] as Record<string, unknown> | undefined;
    if (typeof e !== 'object' || e === null) fail(file, `costs.${key} is required`, e);
    if (e.unit !== 'cycles' && e.unit !== 'ns')
      fail(file, `costs.${key}.unit must be "cycles" or "ns"`, e.unit);
    // The ceiling holds after conversion too: 10^7 ns would be 2·10^7 cycles at 2 GHz.
    const value =
      e.unit === 'cycles'
        ? positive(file, `costs.${key}.value`, e.value, false, MAX_COST_CYCLES, ' cycles')
        : positive(
            file,
            `costs.${key}.value`,
            e.value,
            false,
            MAX_COST_CYCLES / ghz,
            ` ns (${MAX_COST_CYCLES} cycles at ${ghz} GHz)`,
          );
    if (typeof e.source !== 'string' || e.source.trim() === '') {
      fail(file, `costs.${key}.source must cite where the number comes from`, e.source);
    }
    if (typeof e.estimate !== 'boolean')
      fail(file, `costs.${key}.estimate must be true or false`, e.estimate);
    const ledger = parseLedger(file, key, e.ledger, value);
    entries[key] = { value, unit: e.unit, source: e.source, estimate: e.estimate, ledger };
    cycles[key] = Math.max(1, Math.round(e.unit === 'ns' ? value * ghz : value));
  }
  for (const key of Object.keys(costs)) {
    if (!(COST_KEYS as readonly string[]).includes(key))
      fail(file, `costs.${key} is not a known cost`, key);
  }
  return Object.freeze({
    name: p.name,
    description: typeof p.description === 'string' ? p.description : '',
    ghz,
    topology: Object.freeze(topology),
    pti: pti.value as boolean,
    apicMode: apicMode.value,
    apicClusterSize: apicClusterSize.value,
    invlpgbMaxPages: invlpgbMaxPages.value,
    settings: Object.freeze({
      pti: pti as Setting<boolean>,
      apicMode,
      apicClusterSize,
      invlpgbMaxPages,
    }),
    cycles: Object.freeze(cycles),
    lineTransferCycles: Object.freeze([
      0,
      cycles.lineTransferSmt,
      cycles.lineTransferLlc,
      cycles.lineTransferSocket,
      cycles.lineTransferRemoteSocket,
    ]),
    entries: Object.freeze(entries),
  });
}

/**
 * 1, 2, 4, 8 or 16: at most the 16 CPUs one logical ID's bitmap can name, and a power of two so
 * that the groups tile the APIC IDs the way the hardware's clusters (APIC ID >> 4) do.
 */
function isClusterSize(v: unknown): boolean {
  return (
    typeof v === 'number' &&
    Number.isInteger(v) &&
    v >= 1 &&
    v <= X2APIC_CLUSTER_SIZE &&
    (v & (v - 1)) === 0
  );
}

function isScore(x: unknown): x is LedgerScore | null {
  if (x === null) return true;
  const s = x as LedgerScore;
  return (
    typeof x === 'object' &&
    Number.isInteger(s.within) &&
    Number.isInteger(s.of) &&
    s.within >= 0 &&
    s.within <= s.of
  );
}

/**
 * A cost's ledger: optional in a profile file (validate --host writes none), and when given, its
 * last entry is the cost's value — a value changed without its entry is refused.
 */
function parseLedger(file: string, key: string, raw: unknown, value: number): LedgerEntry[] {
  if (raw === undefined) return [];
  const where = `costs.${key}.ledger`;
  if (!Array.isArray(raw) || raw.length === 0)
    fail(file, `${where} must be a non-empty array of the values the cost has had`, raw);
  const out: LedgerEntry[] = [];
  for (const [i, e] of (raw as Record<string, unknown>[]).entries()) {
    const at = `${where}[${i}]`;
    if (typeof e !== 'object' || e === null) fail(file, `${at} must be an object`, e);
    if (typeof e.value !== 'number' || !(e.value > 0))
      fail(file, `${at}.value must be a positive number`, e.value);
    if (e.figure !== null && (typeof e.figure !== 'string' || e.figure.trim() === ''))
      fail(file, `${at}.figure must be the source's verbatim figure, or null`, e.figure);
    if (e.commit !== null && (typeof e.commit !== 'string' || !/^[0-9a-f]{40}$/.test(e.commit)))
      fail(
        file,
        `${at}.commit must be a full commit sha, or null for the commit adding it`,
        e.commit,
      );
    const v = e.validate as Record<string, unknown> | null;
    if (v !== null && (typeof v !== 'object' || !isScore(v.before) || !isScore(v.after)))
      fail(file, `${at}.validate must be null or { before, after }, each a score or null`, v);
    if (typeof e.note !== 'string') fail(file, `${at}.note must be a string`, e.note);
    out.push({
      value: e.value,
      figure: e.figure as string | null,
      commit: e.commit as string | null,
      validate: v as LedgerEntry['validate'],
      note: e.note,
    });
  }
  const last = out[out.length - 1].value;
  if (last !== value) {
    fail(
      file,
      `costs.${key}.value must equal its ledger's last entry (${last}): a changed cost needs its ledger entry`,
      value,
    );
  }
  return out;
}

/** `{ "value": …, "source": "…" }`: a setting must say where it comes from, like a cost. */
function setting(
  file: string,
  key: string,
  raw: unknown,
  valid: (v: unknown) => boolean,
  rule: string,
): Setting<unknown> {
  const e = raw as Record<string, unknown> | undefined;
  if (typeof e !== 'object' || e === null) fail(file, `${key} must be { "value", "source" }`, raw);
  if (!valid(e.value)) fail(file, `${key}.value must be ${rule}`, e.value);
  if (typeof e.source !== 'string' || e.source.trim() === '') {
    fail(file, `${key}.source must cite where the setting comes from`, e.source);
  }
  return { value: e.value, source: e.source };
}

/**
 * What one ICR write reaches: the profile's apicClusterSize CPUs of consecutive APIC IDs (in
 * cluster mode the x2APIC cluster, APIC ID >> 4; in physical mode, size 1, the CPU itself).
 * Returned as a number shared by the CPUs one write reaches.
 */
export function apicCluster(p: Pick<Profile, 'topology' | 'apicClusterSize'>, cpu: number): number {
  return Math.floor(apicId(p.topology, cpu) / p.apicClusterSize);
}

/** The share of a profile's costs that are estimates rather than published figures. */
export function estimateShare(p: Profile): number {
  const all = Object.values(p.entries);
  return all.filter((e) => e.estimate).length / all.length;
}

export function checkProfileFits(profile: Profile, cpus: number): void {
  const threads = hardwareThreads(profile.topology);
  if (cpus > threads) {
    throw invalidRange(
      `--cpus must be at most ${threads}, the hardware threads of profile ${profile.name} (got ${cpus})`,
    );
  }
}

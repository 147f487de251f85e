/**
 * A run as flushbench stores, prints (`bench --json`), exports (`export --format json`) and
 * ingests it: plain JSON, the same shape everywhere, defined once here as TypeBox schemas. The
 * server validates uploads with them, the store and export use their static types, and the
 * dashboard imports the types only (erased at build: the browser still talks HTTP only).
 *
 * A case is a union on `status`: a measured case (`completed`, or `violated` when a safe
 * protocol broke its guarantee) carries its statistics and no error; an `errored` case carries
 * its error and nothing else (its statistics are null, its samples empty).
 */
import { type Static, type TObject, type TSchema, Type } from 'typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Any JSON object: the run's config, the CPU counters' names are the sim's. */
export const FreeObject = Type.Record(Type.String(), Type.Unknown());

/** The suite of `flushbench validate`'s runs: stored like any run, never a default for compare. */
export const VALIDATION_SUITE = 'validate';

export const CASE_STATUSES = Object.freeze(['completed', 'violated', 'errored'] as const);
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CommitInfo = Type.Object({
  sha: Type.String({ minLength: 4, maxLength: 64 }),
  branch: Nullable(Type.String({ maxLength: 255 })),
  dirty: Type.Boolean(),
  subject: Type.String({ maxLength: 4096 }),
  /** ISO 8601. */
  time: Type.String({ maxLength: 64 }),
});
export type CommitInfo = Static<typeof CommitInfo>;

export const HostInfo = Type.Object({
  hostname: Type.String({ maxLength: 255 }),
  cpuModel: Type.String({ maxLength: 255 }),
  cores: Type.Integer({ minimum: 1, maximum: 65536 }),
  os: Type.String({ maxLength: 255 }),
  nodeVersion: Type.String({ maxLength: 64 }),
});
export type HostInfo = Static<typeof HostInfo>;

/** Wall-clock ns of the timed flush; rme is tinybench's relative margin of error of the mean, %. */
export const WallStats = Type.Object({
  p50: Type.Number(),
  p99: Type.Number(),
  mean: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
  rme: Nullable(Type.Number()),
  count: Type.Integer({ minimum: 0 }),
});
export type WallStats = Static<typeof WallStats>;

export const ModeledStats = Type.Object({
  p50: Type.Number(),
  mean: Type.Number(),
  p99: Type.Number(),
  iterationMean: Type.Number(),
  remoteHandlerMean: Type.Number(),
  /** The system call alone (before the flush and the flush, no refault); absent in older runs. */
  callMean: Type.Optional(Nullable(Type.Number())),
});
export type ModeledStats = Static<typeof ModeledStats>;

/** The first violation the oracle found (sim's Violation; tlbGen only under the ack-window rule). */
export const Violation = Type.Object({
  kind: Type.String({ maxLength: 64 }),
  seq: Type.Integer(),
  cpu: Type.Integer(),
  vpn: Type.Integer(),
  entryGen: Type.Integer(),
  flushedGen: Type.Integer(),
  tlbGen: Type.Optional(Type.Integer()),
  step: Type.String({ maxLength: 4096 }),
});
export type Violation = Static<typeof Violation>;

export const OracleRecord = Type.Object({
  checkedAccesses: Type.Integer({ minimum: 0 }),
  /** The observed rule (see sim/cpu/oracle.ts). */
  staleUses: Type.Integer({ minimum: 0 }),
  lostWrites: Type.Integer({ minimum: 0 }),
  /** The ack-window rule and freed-table walks: absent or null in runs from before them. */
  ackWindowViolations: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  freedTableWalks: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  firstViolation: Nullable(Violation),
});
export type OracleRecord = Static<typeof OracleRecord>;

/**
 * What explains a case measured on the host's own kernel (protocol `linux`): the kernel, the CPU,
 * whether it is a virtual machine and whether KVM's paravirtual flush skips IPIs, PTI, the
 * TLB-related CPU flags (host/context.ts reads them).
 */
export const KernelContext = Type.Object({
  kernel: Type.String({ maxLength: 255 }),
  cpuModel: Type.String({ maxLength: 255 }),
  onlineCpus: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 65536 }),
  /** The `hypervisor` cpuinfo flag: the figures are a virtual machine's. */
  hypervisor: Type.Boolean(),
  hypervisorVendor: Nullable(Type.String({ maxLength: 255 })),
  kvmPvTlbFlush: Nullable(Type.Union([Type.Literal('yes'), Type.Literal('no')])),
  meltdown: Nullable(Type.String({ maxLength: 255 })),
  pti: Type.Boolean(),
  flags: Type.Object({ pcid: Type.Boolean(), invpcid: Type.Boolean(), invlpgb: Type.Boolean() }),
});
export type KernelContext = Static<typeof KernelContext>;

/**
 * The most CPUs a stored case may have: every layer that takes a CPU count (uploads, history's
 * query, the dashboard) reads its bound here. The simulator's own limit (sim's MAX_CPUS) may be
 * lower; a store keeps what any flushbench up to this size measured.
 */
export const MAX_CASE_CPUS = 1024;

const NsSummary = Type.Object({ p50: Type.Number(), p99: Type.Number(), mean: Type.Number() });

/**
 * A case measured on the host's kernel: its wallNs is the madvise call; here are the touch and
 * the whole iteration, the IPIs the other CPUs received during the timed loop, the CPUs used and
 * the context.
 */
export const KernelRecord = Type.Object({
  context: KernelContext,
  cpusUsed: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: MAX_CASE_CPUS }),
  touchNs: NsSummary,
  iterationNs: NsSummary,
  /**
   * madvise's flushes (one per iteration) and the copies of the zero page a reader had mapped
   * between madvise and the initiator's write (each one more flush; estimated by the readers'
   * page faults).
   */
  flushes: Type.Object({
    madvise: Type.Integer({ minimum: 0 }),
    zeroPageCopies: Type.Integer({ minimum: 0 }),
  }),
  /** Interrupts the other CPUs received during the timed loop (/proc/interrupts TLB and CAL). */
  ipis: Type.Object({
    tlbShootdowns: Type.Integer({ minimum: 0 }),
    functionCalls: Type.Integer({ minimum: 0 }),
    tlbPerIteration: Type.Number({ minimum: 0 }),
    callsPerIteration: Type.Number({ minimum: 0 }),
    tlbPerFlush: Type.Number({ minimum: 0 }),
  }),
});
export type KernelRecord = Static<typeof KernelRecord>;

/** The protocol of a case measured on the host's own kernel rather than simulated. */
export const KERNEL_PROTOCOL = 'linux';
/** The profile field of such a case: it ran on this host, not on a cost profile. */
export const HOST_PROFILE = 'host';
/** The dashboard, which imports types only, spells the name with this type so that it cannot drift. */
export type HostProfileName = typeof HOST_PROFILE;

export const CaseError = Type.Object({
  code: Type.String({ maxLength: 128 }),
  message: Type.String({ maxLength: 65536 }),
});

/** One modeled event of the traced flush on one CPU, in cycles since the flush started. */
export const TraceEvent = Type.Object({
  cpu: Type.Integer(),
  event: Type.String({ maxLength: 64 }),
  cycles: Type.Number(),
  peer: Type.Optional(Type.Integer()),
});
export type TraceEvent = Static<typeof TraceEvent>;

/** One protocol step of the traced flush, as it really happened, in global order. */
export const TraceStep = Type.Object({
  seq: Type.Integer(),
  cpu: Type.Integer(),
  step: Type.String({ maxLength: 4096 }),
  peer: Type.Optional(Type.Integer()),
});
export type TraceStep = Static<typeof TraceStep>;

export const Trace = Type.Object({
  events: Type.Array(TraceEvent),
  steps: Nullable(Type.Array(TraceStep)),
});
export type Trace = Static<typeof Trace>;

/** What names a case: the key is derived from the rest (caseKey). */
export const caseIdentity = {
  key: Type.String({ minLength: 1, maxLength: 512 }),
  protocol: Type.String({ minLength: 1, maxLength: 64 }),
  workload: Type.String({ minLength: 1, maxLength: 64 }),
  cpus: Type.Integer({ minimum: 1, maximum: MAX_CASE_CPUS }),
  pages: Type.Integer({ minimum: 1, maximum: 65536 }),
  profile: Type.String({ minLength: 1, maxLength: 255 }),
};

/**
 * How a simulated case was run, recorded for measured and errored cases alike; absent in runs
 * stored before the cooperative engine, which all ran on the threads engine. A case of the host's
 * kernel has none of these (executionProblem checks the rules).
 *
 * - `threads`: one worker thread per simulated CPU, interleaved by the host's scheduler.
 * - `cooperative`: the CPUs share `workers` worker threads and switch at every wait point, in the
 *   order a seeded PCT schedule picks (Burckhardt et al., ASPLOS'10): the interleaving, and the
 *   first violation it leads to, replay from the seed.
 *
 * The engine is not part of the case's key: modeled cycles do not depend on it and compare across
 * engines; wall-clock does depend on it and is not compared across engines (compare.ts).
 */
export const ENGINES = Object.freeze(['threads', 'cooperative'] as const);
export type Engine = (typeof ENGINES)[number];
/** The engine of a simulated case stored without one. */
export const DEFAULT_ENGINE = 'threads' satisfies Engine;
/** The dashboard, which imports types only, spells the default with this type so that it cannot drift. */
export type DefaultEngine = typeof DEFAULT_ENGINE;

/**
 * The cooperative engine's schedule of one case: on one worker, enough to replay it; on several,
 * what each worker's PCT order was seeded with (their interleaving is the OS's: no replay).
 */
export const Schedule = Type.Object({
  /** The PCT schedule's seed (--schedule-seed). */
  seed: Type.Integer({ minimum: 0, maximum: 0xffff_ffff }),
  policy: Type.Literal('pct'),
  /** PCT's bug depth d: the schedule changes priorities at d − 1 random steps. */
  depth: Type.Integer({ minimum: 1 }),
  /** The scheduling steps the case took: one at every wait point of every simulated CPU. */
  steps: Type.Integer({ minimum: 0 }),
  /** The exact command that replays the case's schedule; null on several workers. */
  replay: Nullable(Type.String({ minLength: 1, maxLength: 1024 })),
  /** The interleaving's steps that led to the oracle's first violation; null when none was found. */
  firstViolationSteps: Nullable(Type.Array(Type.String({ maxLength: 512 }), { maxItems: 256 })),
});
export type Schedule = Static<typeof Schedule>;

/**
 * What the bench concluded about a case, computed once when the run is made (or merged) and
 * stored with it: the bench table, export, compare and the dashboard read it and judge nothing
 * themselves (data/case-verdict.ts computes the parts that need no protocol table).
 *
 * - `oracle`: clean (nothing broken), violated (a safe protocol broke a rule), caught (a negative
 *   control broke the rule it breaks), not-caught (a control the oracle missed: the case failed),
 *   not-applicable (a control where it cannot break anything, e.g. at 1 CPU), unchecked (no
 *   oracle ran: the host's kernel, or a case that failed).
 * - `baseline`, `speedup`: the protocol every speedup is against (the protocol table's baseline
 *   row when the run was made), and its modeled p50 over this case's, in the same run, profile,
 *   workload, CPU and page count; null where either is missing.
 * - `wallSpeedup`: the same ratio of wall-clock p50s. Whether it is hardware-like the two flags
 *   below say; a record from a bench before it has none, and the store prices it on insert.
 * - `oversubscribed`: wall-clock of more simulated CPUs than the measuring machine's cores, on
 *   either engine: the simulator's, not hardware-like.
 * - `noisy`: the run's noise check found the machine busy: its wall-clock is not judged.
 */
export const ORACLE_VERDICTS = Object.freeze([
  'clean',
  'violated',
  'caught',
  'not-caught',
  'not-applicable',
  'unchecked',
] as const);
export type OracleVerdictName = (typeof ORACLE_VERDICTS)[number];
const verdictFields = {
  oracle: Type.Enum([...ORACLE_VERDICTS]),
  baseline: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  speedup: Nullable(Type.Number({ exclusiveMinimum: 0 })),
  oversubscribed: Type.Boolean(),
  noisy: Type.Boolean(),
};
const wallSpeedup = Nullable(Type.Number({ exclusiveMinimum: 0 }));
export const CaseVerdict = Type.Object({
  ...verdictFields,
  wallSpeedup: Type.Optional(wallSpeedup),
});
export type CaseVerdict = Static<typeof CaseVerdict>;
/** A stored case's verdict: every one has its wall speedup (migration 10 priced older ones). */
export const StoredVerdict = Type.Object({ ...verdictFields, wallSpeedup });
export type StoredVerdict = Static<typeof StoredVerdict>;

export const caseExecution = {
  /**
   * The host the case ran on, when it is not the run's: a sweep merged from shards run on several
   * machines keeps each case's (absent: the run's host).
   */
  host: Type.Optional(HostInfo),
  engine: Type.Optional(Type.Enum([...ENGINES])),
  /** Threads engine: one per simulated CPU; cooperative: the threads that hosted the CPUs. */
  workers: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CASE_CPUS })),
  /** Non-null only on the cooperative engine. */
  schedule: Type.Optional(Nullable(Schedule)),
  /** Absent in a record from a flushbench before verdicts: the store judges it on insert. */
  verdict: Type.Optional(CaseVerdict),
};

/** The engine a case ran on: a stored one, else the threads engine; null for the host's kernel. */
export function engineOf(c: { protocol: string; engine?: Engine }): Engine | null {
  return c.protocol === KERNEL_PROTOCOL ? null : (c.engine ?? DEFAULT_ENGINE);
}

/**
 * Whether a case's execution fields break their rules: none on a case of the host's kernel, a
 * schedule only on the cooperative engine, no more workers than CPUs; null if they hold.
 */
export function executionProblem(c: {
  protocol: string;
  cpus: number;
  engine?: Engine;
  workers?: number;
  schedule?: Schedule | null;
}): string | null {
  if (c.protocol === KERNEL_PROTOCOL) {
    if (c.engine !== undefined || c.workers !== undefined || (c.schedule ?? null) !== null)
      return `a case of protocol ${KERNEL_PROTOCOL} is measured, not simulated: it has no engine, workers or schedule`;
    return null;
  }
  if ((c.schedule ?? null) !== null && c.engine !== 'cooperative')
    return `only a case of the cooperative engine has a schedule (got engine ${c.engine ?? `absent, which is ${DEFAULT_ENGINE}`})`;
  if (c.workers !== undefined && c.workers > c.cpus)
    return `workers must be at most the case's ${c.cpus} CPUs (got ${c.workers})`;
  return null;
}

/**
 * A measured case: its statistics, no error. A simulated case has modeled cycles and the oracle's
 * counts and no `kernel`; a case of the host's kernel (protocol `linux`) has `kernel` and neither
 * of the others (kernelCaseProblem checks the rule).
 */
export const measured = {
  status: Type.Enum(['completed', 'violated']),
  error: Type.Null(),
  wallNs: WallStats,
  modeledCycles: Nullable(ModeledStats),
  counters: Type.Record(Type.String(), Type.Number()),
  oracle: Nullable(OracleRecord),
  kernel: Type.Optional(Nullable(KernelRecord)),
};

/** A failed case: its error, nothing else. */
export const failed = {
  status: Type.Literal('errored'),
  error: CaseError,
  wallNs: Type.Null(),
  modeledCycles: Type.Null(),
  counters: Type.Null(),
  oracle: Type.Null(),
  kernel: Type.Optional(Type.Null()),
};

const MAX_SAMPLES = 100_000;

/**
 * Two objects as one union on `status`. Ajv picks the arm by the tag (`discriminator`), so an
 * invalid case is reported against its own arm, not against every arm.
 */
export function byStatus<A extends TObject, B extends TObject>(arms: [A, B]) {
  return Type.Unsafe<Static<A> | Static<B>>({
    type: 'object',
    oneOf: arms,
    discriminator: { propertyName: 'status' },
  });
}

export const CaseRecord = byStatus([
  Type.Object({
    ...caseIdentity,
    ...caseExecution,
    ...measured,
    /** Wall-clock samples, ns (thinned to evenly spaced order statistics past a limit). */
    samplesNs: Type.Array(Type.Number(), { maxItems: MAX_SAMPLES }),
    /** How many samples were taken before thinning. */
    samplesTotal: Type.Integer({ minimum: 0 }),
    modeledCyclesSamples: Type.Array(Type.Number(), { maxItems: MAX_SAMPLES }),
    trace: Nullable(Trace),
  }),
  Type.Object({
    ...caseIdentity,
    ...caseExecution,
    ...failed,
    samplesNs: Type.Array(Type.Number(), { maxItems: 0 }),
    samplesTotal: Type.Literal(0),
    modeledCyclesSamples: Type.Array(Type.Number(), { maxItems: 0 }),
    trace: Type.Null(),
  }),
]);
export type CaseRecord = Static<typeof CaseRecord>;
export type MeasuredCase = Extract<CaseRecord, { status: 'completed' | 'violated' }>;
export type ErroredCase = Extract<CaseRecord, { status: 'errored' }>;

/** A failed case: its error and nothing else (but how it was run, when it is given). */
export function erroredCase(
  identity: Pick<ErroredCase, 'key' | 'protocol' | 'workload' | 'cpus' | 'pages' | 'profile'> &
    Partial<Pick<ErroredCase, 'engine' | 'workers' | 'schedule'>>,
  error: ErroredCase['error'],
): ErroredCase {
  return {
    ...identity,
    status: 'errored',
    error,
    wallNs: null,
    modeledCycles: null,
    counters: null,
    oracle: null,
    samplesNs: [],
    samplesTotal: 0,
    modeledCyclesSamples: [],
    trace: null,
  };
}

/**
 * Whether a measured case breaks the rule between its kind and its fields: the protocol `linux`
 * has `kernel` and no modeled cycles or oracle, a simulated protocol the reverse; null if it holds.
 */
export function kernelCaseProblem(c: MeasuredCase): string | null {
  const isKernel = c.protocol === KERNEL_PROTOCOL;
  const has = (v: unknown) => v !== null && v !== undefined;
  if (isKernel) {
    if (!has(c.kernel)) return `a case of protocol ${KERNEL_PROTOCOL} must have kernel`;
    if (has(c.modeledCycles) || has(c.oracle) || c.status !== 'completed')
      return `a case of protocol ${KERNEL_PROTOCOL} is measured, not simulated: modeledCycles and oracle must be null and status completed`;
    return null;
  }
  if (has(c.kernel))
    return `only a case of protocol ${KERNEL_PROTOCOL} may have kernel (got protocol ${c.protocol})`;
  if (!has(c.modeledCycles) || !has(c.oracle))
    return `a simulated case (protocol ${c.protocol}) must have modeledCycles and oracle`;
  return null;
}

/** The most shards a sweep may be split into (`bench --shard i/n`). */
export const MAX_SHARDS = 256;

/**
 * A sweep: one suite split into shards (`bench --shard i/n`) that run apart and are merged into
 * one run (`flushbench merge`, or the server once every shard has arrived). `id` is a hash of
 * what makes shards one sweep — the commit, the suite, the options, every case's key and the
 * number of shards — so equal ids mean shards of one sweep.
 */
export const SweepInfo = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    shards: Type.Integer({ minimum: 1, maximum: MAX_SHARDS }),
    /** Which shard this run is, from 1; null on the run merged from all of them. */
    shard: Nullable(Type.Integer({ minimum: 1, maximum: MAX_SHARDS })),
    /** The cases of the whole sweep, and a hash of their sorted keys: merge checks the cover. */
    cases: Type.Integer({ minimum: 1, maximum: 10_000 }),
    casesHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
export type SweepInfo = Static<typeof SweepInfo>;

/** What a run is apart from its cases. */
export const runFields = {
  /**
   * Identity across machines: a second upload of the same run is recognised. Letters, digits,
   * dot, underscore and hyphen only: it names export files and goes into HTTP headers.
   */
  uuid: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }),
  commit: Nullable(CommitInfo),
  startedAt: Type.String({ maxLength: 64 }),
  endedAt: Type.String({ maxLength: 64 }),
  host: HostInfo,
  flushbenchVersion: Type.String({ maxLength: 64 }),
  suite: Type.String({ minLength: 1, maxLength: 64 }),
  profile: Type.String({ minLength: 1, maxLength: 255 }),
  config: FreeObject,
  /** A shard of a sweep, or a run merged from one; absent on any other run. */
  sweep: Type.Optional(SweepInfo),
};

/** A whole run: what `bench --json` prints, `export --format json` writes and POST /api/runs takes. */
export const RunRecord = Type.Object(
  { ...runFields, cases: Type.Array(CaseRecord, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);
export type RunRecord = Static<typeof RunRecord>;

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

/**
 * Sweeps: one suite split into shards that run apart (`bench --shard i/n`, a CI matrix's jobs)
 * and come back together as one run — `flushbench merge`, or the server once every shard has
 * arrived. The identity is computed once here, for the bench that writes it and the merge that
 * checks it; the merge refuses anything but every shard of one sweep, each once, whose cases
 * cover the suite once, and says which shard, commit, suite or option differs.
 */
import { createHash } from 'node:crypto';
import { createError } from '../common/errors.js';
import type { CaseRecord, CommitInfo, RunRecord, SweepInfo } from './run-record.js';

/** JSON with every object's keys sorted: one text per value, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What of a run's config says how its cases ran, the same on every shard: all but the shard's
 * own cases and its machine's noise probe.
 */
export function sweepOptions(config: Record<string, unknown>): Record<string, unknown> {
  const { cases: _cases, noise: _noise, ...options } = config;
  return options;
}

/** The hash of a sweep's case keys, sorted: what merge checks the shards' cases against. */
export function casesHashOf(keys: readonly string[]): string {
  return sha256([...keys].sort().join('\n'));
}

/** The commit as it identifies a sweep: the sha and whether the tree was dirty. */
function commitId(commit: CommitInfo | null): string {
  return commit === null ? 'none' : `${commit.sha}${commit.dirty ? '+dirty' : ''}`;
}

/** A sweep's identity: of its commit, suite, options, cases and number of shards. */
export function sweepOf(
  run: Pick<RunRecord, 'commit' | 'suite' | 'config'>,
  keys: readonly string[],
  shards: number,
  shard: number | null,
): SweepInfo {
  const casesHash = casesHashOf(keys);
  const id = sha256(
    canonicalJson({
      commit: commitId(run.commit),
      suite: run.suite,
      options: sweepOptions(run.config),
      casesHash,
      shards,
    }),
  ).slice(0, 16);
  return { id, shards, shard, cases: keys.length, casesHash };
}

export function invalidSweep(message: string): Error {
  return createError('INVALID_SWEEP', [message], { as: RangeError });
}

export interface NamedRun {
  /** What the user calls it in a message: a file name, or "shard 2 (uploaded)". */
  name: string;
  run: RunRecord;
}

/**
 * The shards as one run, with every case keeping the host it ran on; or throws INVALID_SWEEP
 * naming the first thing that makes them not one whole sweep.
 */
export function mergeShards(given: readonly NamedRun[]): RunRecord {
  if (given.length === 0) throw invalidSweep('merge needs the run files of a sweep’s shards');
  for (const { name, run } of given) {
    if (run.sweep === undefined || run.sweep.shard === null) {
      throw invalidSweep(
        `${name} is not a shard of a sweep (${run.sweep === undefined ? 'it has no sweep: it was not run with bench --shard' : `it is sweep ${run.sweep.id} merged already`})`,
      );
    }
  }
  const [first, ...rest] = given;
  const differs = (what: string, of: (r: RunRecord) => string) => {
    const a = of(first.run);
    const other = rest.find((g) => of(g.run) !== a);
    if (other !== undefined) {
      throw invalidSweep(
        `shards of two ${what}: ${of(other.run)} (${other.name}) and ${a} (${first.name})`,
      );
    }
  };
  differs('commits', (r) => commitId(r.commit));
  differs('suites', (r) => r.suite);
  const optionsOf = (r: RunRecord) => canonicalJson(sweepOptions(r.config));
  const otherOptions = rest.find((g) => optionsOf(g.run) !== optionsOf(first.run));
  if (otherOptions !== undefined) {
    throw invalidSweep(
      `shards of two option sets: ${optionDiff(first.run.config, otherOptions.run.config, first.name, otherOptions.name)}`,
    );
  }
  differs('splits', (r) => `n = ${r.sweep!.shards}`);
  differs('sweeps (their suites expand to other cases)', (r) => r.sweep!.id);

  const sweep = first.run.sweep!;
  const byShard = new Map<number, string>();
  for (const { name, run } of given) {
    const i = run.sweep!.shard!;
    const seen = byShard.get(i);
    if (seen !== undefined) {
      throw invalidSweep(`shard ${i} of ${sweep.shards} is given twice: ${seen} and ${name}`);
    }
    byShard.set(i, name);
  }
  const missing: number[] = [];
  for (let i = 1; i <= sweep.shards; i++) if (!byShard.has(i)) missing.push(i);
  if (missing.length > 0) {
    throw invalidSweep(
      `${missing.length === 1 ? `shard ${missing[0]} of ${sweep.shards} is` : `shards ${missing.join(', ')} of ${sweep.shards} are`} missing (given: ${[...byShard.keys()].sort((a, b) => a - b).join(', ')})`,
    );
  }

  const caseFrom = new Map<string, string>();
  const cases: CaseRecord[] = [];
  for (const { name, run } of given) {
    for (const c of run.cases) {
      const seen = caseFrom.get(c.key);
      if (seen !== undefined)
        throw invalidSweep(`case ${c.key} is in two shards: ${seen} and ${name}`);
      caseFrom.set(c.key, name);
      cases.push({ ...c, host: c.host ?? run.host });
    }
  }
  if (cases.length !== sweep.cases || casesHashOf([...caseFrom.keys()]) !== sweep.casesHash) {
    throw invalidSweep(
      `the shards' ${cases.length} cases are not the sweep's ${sweep.cases}: a shard was cut or edited`,
    );
  }
  // The order the unsharded run has: by CPU count (one machine per count), then by key.
  cases.sort((a, b) => a.cpus - b.cpus || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const runs = given.map((g) => g.run);
  const shard1 = given.find((g) => g.run.sweep!.shard === 1)!.run;
  return {
    // One sweep, one run: merging it again (or on the server) is recognised as the same run.
    uuid: `sweep-${sweep.id}`,
    commit: shard1.commit,
    startedAt: runs.map((r) => r.startedAt).sort()[0],
    endedAt: runs
      .map((r) => r.endedAt)
      .sort()
      .at(-1)!,
    host: shard1.host,
    flushbenchVersion: shard1.flushbenchVersion,
    suite: shard1.suite,
    profile: shard1.profile,
    // The cases as the unsharded run's config lists them: every shard's specs.
    config: {
      ...sweepOptions(shard1.config),
      cases: given.flatMap((g) => (Array.isArray(g.run.config.cases) ? g.run.config.cases : [])),
    },
    sweep: { ...sweep, shard: null },
    cases,
  };
}

/** The first option two configs disagree on, in words. */
function optionDiff(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  aName: string,
  bName: string,
): string {
  const oa = sweepOptions(a);
  const ob = sweepOptions(b);
  const keys = [...new Set([...Object.keys(oa), ...Object.keys(ob)])].sort();
  const key = keys.find((k) => canonicalJson(oa[k]) !== canonicalJson(ob[k]));
  if (key === undefined) return `${aName} and ${bName}`;
  const show = (v: unknown) => (v === undefined ? 'absent' : canonicalJson(v));
  return `${key} ${show(oa[key])} (${aName}) against ${show(ob[key])} (${bName})`;
}

/**
 * `bench --shard i/n`: which of a suite's cases shard i of n runs. Every machine that expands the
 * same suite with the same options computes the same partition: cases are dealt by an estimate of
 * their cost, dearest first, each to the shard with the least estimated cost so far (longest
 * processing time first, Graham 1969), ties to the lower case and shard index, so that the shards
 * of a CI matrix take similar time. The sweep's identity is data/sweep.ts's.
 */
import { MAX_SHARDS } from '../data/run-record.js';
import { invalidRange } from '../sim/shared/errors.js';
import { initiatorsOf } from '../sim/shared/workloads.js';
import { type CaseConfig, caseOptions, machineOptionsFor } from './case-options.js';
import { type BenchCase, isKernelCase } from './suites.js';

export interface Shard {
  /** From 1. */
  index: number;
  of: number;
}

/** `--shard i/n`: 1 ≤ i ≤ n ≤ MAX_SHARDS. */
export function parseShard(value: string): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(value.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const of = m ? Number(m[2]) : Number.NaN;
  if (!(index >= 1 && of >= index && of <= MAX_SHARDS)) {
    throw invalidRange(
      `--shard must be i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, e.g. 2/4 (got ${JSON.stringify(value)})`,
    );
  }
  return { index, of };
}

/**
 * Wall time of one flush per simulated CPU, µs, as `npm run bench:engine` measured them on a
 * 2-core VM before it warmed the threads engine up (README, Engines): the cooperative engine
 * 74–88 µs per flush at 64 CPUs, warm; the threads engine 2.9–12 ms, a short run's figure, as a
 * suite's cases are short runs (warm, after some 2,000 flushes, it is about 1 ms). Estimates: only
 * their ratio and their growth with CPUs shape the partition.
 */
const US_PER_CPU_FLUSH = { cooperative: 1.3, threads: 90 } as const;
/** A case's fixed part, µs: its machine's warm pass and barriers, its record. */
const CASE_SETUP_US = 20_000;

/**
 * A case's estimated cost, µs: its flushes (every initiator's, warm-up included) × its CPUs × its
 * engine's cost per CPU and flush, or its time budget if that is longer; a case of this host's
 * kernel as the threads engine would be. The engine is the one it will run on here (`auto`
 * resolves against this machine's cores).
 */
export function caseCost(config: CaseConfig, spec: BenchCase): number {
  if (isKernelCase(spec)) {
    return CASE_SETUP_US + config.iterations * spec.cpus * US_PER_CPU_FLUSH.threads;
  }
  const engine = machineOptionsFor(config, spec.cpus).engine;
  const options = caseOptions(config, spec);
  const initiators = initiatorsOf(spec.workload, spec.cpus);
  const flushes = ((options.flushes ?? 0) + (options.warmupFlushes ?? 0)) * initiators;
  const work = flushes * spec.cpus * US_PER_CPU_FLUSH[engine];
  const budget = engine === 'threads' ? (options.timeMs ?? 0) * 1000 : 0;
  return CASE_SETUP_US + Math.max(work, budget);
}

/** The shard (from 1) of each cost's case: dearest first to the least loaded shard. */
export function partition(costs: readonly number[], shards: number): number[] {
  const order = costs.map((_, k) => k).sort((a, b) => costs[b] - costs[a] || a - b);
  const load = new Float64Array(shards);
  const owner = new Array<number>(costs.length);
  for (const k of order) {
    let best = 0;
    for (let s = 1; s < shards; s++) if (load[s] < load[best]) best = s;
    load[best] += costs[k];
    owner[k] = best + 1;
  }
  return owner;
}

/** Each shard's estimated cost (index 0 is shard 1). */
export function shardCosts(costs: readonly number[], owner: readonly number[], shards: number) {
  const load = new Array<number>(shards).fill(0);
  for (let k = 0; k < costs.length; k++) load[owner[k] - 1] += costs[k];
  return load;
}

/**
 * `flushbench validate`: the model against published measurements (bench/published.json). Each
 * measurement names a profile, a workload, a CPU and page count, and the time per iteration (or
 * per flush) of each protocol on the published machine; validate runs the same cases, turns
 * modeled cycles into ns at the profile's clock, and compares the ratios to the baseline
 * protocol — speedups are what the model must get right — within the file's tolerance.
 */

import { fileURLToPath } from 'node:url';
import { createError, invalidRange } from '../common/errors.js';
import { readJsonFile } from '../common/json-file.js';
import { fidelityScore } from '../data/fidelity.js';
import { type RunRecord, VALIDATION_SUITE } from '../data/run-record.js';
import type {
  PublishedMeasurement,
  PublishedPoint,
  ValidationConfig,
  ValidationRow,
} from '../data/validation.js';
import {
  loadProfile,
  PROTOCOLS,
  type Protocol,
  profileNames,
  WORKLOADS,
  type Workload,
} from '../sim/index.js';
import { type BenchProgress, runBench } from './runner.js';
import type { CaseSpec } from './suites.js';

export const PUBLISHED_FILE = fileURLToPath(new URL('../../bench/published.json', import.meta.url));

/** A measurement as the file gives it; its points' protocols and its workload are checked on loading. */
export type Measurement = PublishedMeasurement & { workload: Workload };

export interface Published {
  tolerance: { ratio: number; why: string };
  measurements: Measurement[];
}

export interface Validation {
  tolerance: number;
  rows: ValidationRow[];
  misses: number;
  /** Every modeled case, as a run (suite `validate`), with the rows in its config. */
  run: RunRecord;
}

/** Reads and checks the file: every measurement must name what validate can run. */
export function loadPublished(file: string = PUBLISHED_FILE): Published {
  const raw = readJsonFile(file, (reason) =>
    invalidRange(`--file must be a readable JSON file of measurements (${file} ${reason})`),
  ) as Published;
  const t = raw?.tolerance?.ratio;
  if (typeof t !== 'number' || !(t > 0 && t < 1)) {
    throw invalidRange(
      `${file}: tolerance.ratio must be a number between 0 and 1 (got ${JSON.stringify(t)})`,
    );
  }
  if (!Array.isArray(raw.measurements) || raw.measurements.length === 0) {
    throw invalidRange(`${file}: measurements must be a non-empty array`);
  }
  for (const m of raw.measurements) {
    const where = `${file}: measurement ${JSON.stringify(m?.id)}`;
    // A built-in profile, or a profile file (validate --host's, or one being written).
    if (!profileNames().includes(m.profile) && !/\.json$/.test(String(m.profile)))
      throw invalidRange(
        `${where}: profile must be one of ${profileNames().join(', ')} or a profile file ending in .json (got ${JSON.stringify(m.profile)})`,
      );
    const authors = m.source?.authors;
    if (
      !Array.isArray(authors) ||
      authors.length === 0 ||
      !authors.every((a) => typeof a === 'string' && a.trim() !== '')
    )
      throw invalidRange(
        `${where}: source.authors must list who measured it (got ${JSON.stringify(authors)})`,
      );
    if (!(WORKLOADS as readonly string[]).includes(m.workload))
      throw invalidRange(
        `${where}: workload must be one of ${WORKLOADS.join(', ')} (got ${JSON.stringify(m.workload)})`,
      );
    if (m.metric !== 'iteration' && m.metric !== 'call' && m.metric !== 'flush')
      throw invalidRange(
        `${where}: metric must be iteration, call or flush (got ${JSON.stringify(m.metric)})`,
      );
    if (m.unit !== 'ns' && m.unit !== 'cycles' && m.unit !== 'ops/s')
      throw invalidRange(
        `${where}: unit must be ns, cycles or ops/s (got ${JSON.stringify(m.unit)})`,
      );
    if (m.unit === 'ops/s' && m.metric !== 'iteration')
      throw invalidRange(
        `${where}: unit ops/s counts iterations, so the metric must be iteration (got ${JSON.stringify(m.metric)})`,
      );
    if (!Array.isArray(m.points) || m.points.length < 2)
      throw invalidRange(
        `${where}: points must list at least two figures (the first is the baseline)`,
      );
    for (const [i, pt] of m.points.entries()) {
      if (!(PROTOCOLS as readonly string[]).includes(pt.protocol))
        throw invalidRange(
          `${where}: points[${i}].protocol names no protocol (got ${JSON.stringify(pt.protocol)})`,
        );
      for (const k of ['cpus', 'pages'] as const) {
        if (!Number.isInteger(pt[k]) || pt[k] < 1)
          throw invalidRange(
            `${where}: points[${i}].${k} must be a positive integer (got ${JSON.stringify(pt[k])})`,
          );
      }
      if (typeof pt.published !== 'number' || !(pt.published > 0))
        throw invalidRange(
          `${where}: points[${i}].published must be a positive number (got ${JSON.stringify(pt.published)})`,
        );
    }
  }
  return raw;
}

/** Runs every measurement's cases on its profile (one run per profile) and compares. */
export async function validate(
  published: Published,
  progress: BenchProgress = {},
): Promise<Validation> {
  const profiles = [...new Set(published.measurements.map((m) => m.profile))];
  const runs: RunRecord[] = [];
  for (const profile of profiles) {
    const cases: CaseSpec[] = [];
    for (const m of published.measurements.filter((x) => x.profile === profile)) {
      for (const pt of m.points) {
        const spec = {
          protocol: pt.protocol as Protocol,
          workload: m.workload,
          cpus: pt.cpus,
          pages: pt.pages,
        };
        const same = (c: CaseSpec) =>
          c.protocol === spec.protocol &&
          c.cpus === spec.cpus &&
          c.pages === spec.pages &&
          c.workload === spec.workload;
        if (!cases.some(same)) cases.push(spec);
      }
    }
    // Modeled cycles do not depend on how long a case runs: a short one serves.
    runs.push(
      await runBench(
        {
          suite: VALIDATION_SUITE,
          cases,
          profile,
          timeMs: 1,
          iterations: 50,
          seed: 1,
          trace: false,
          // Modeled cycles only: no wall-clock to judge.
          noiseCheck: false,
          // One cooperative worker: a seeded schedule, so every modeled figure — several
          // initiators' included — is the same on every run, and a gate on it means something.
          engine: 'cooperative',
          workers: 1,
        },
        progress,
      ),
    );
  }
  const cases = runs.flatMap((r) => r.cases);
  const rows: ValidationRow[] = [];
  const tolerance = published.tolerance.ratio;
  for (const m of published.measurements) {
    // A measurement names a built-in profile or a profile file (validate --host's).
    const { ghz, name: profileName } = loadProfile(m.profile);
    const modeledOf = (pt: PublishedPoint): number => {
      const c = cases.find(
        (x) =>
          x.profile === profileName &&
          x.protocol === pt.protocol &&
          x.workload === m.workload &&
          x.cpus === pt.cpus &&
          x.pages === pt.pages,
      );
      if (!c || c.status === 'errored') {
        throw createError('CASE_FAILED', [
          `validate: the case ${pt.protocol} at ${pt.cpus} CPUs of ${m.id} failed: ${c?.error?.message ?? 'not run'}`,
        ]);
      }
      const cycles =
        m.metric === 'iteration'
          ? c.modeledCycles?.iterationMean
          : m.metric === 'flush'
            ? c.modeledCycles?.mean
            : c.modeledCycles?.callMean;
      if (typeof cycles !== 'number') {
        throw createError('CASE_FAILED', [
          `validate: ${m.id} needs the ${m.metric} figure, which the case lacks`,
        ]);
      }
      // ops/s: every CPU runs the loop (will-it-scale's threads), one iteration per `cycles`.
      if (m.unit === 'ops/s') return (pt.cpus * ghz * 1e9) / cycles;
      return m.unit === 'ns' ? cycles / ghz : cycles;
    };
    const [base] = m.points;
    const baseModeled = modeledOf(base);
    for (const pt of m.points) {
      const modeled = modeledOf(pt);
      const publishedRatio = pt.published / base.published;
      const modeledRatio = modeled / baseModeled;
      const ratioError = modeledRatio / publishedRatio - 1;
      rows.push({
        measurement: m.id,
        protocol: pt.protocol,
        cpus: pt.cpus,
        pages: pt.pages,
        published: pt.published,
        modeled,
        publishedRatio,
        modeledRatio,
        ratioError,
        withinTolerance: Math.abs(ratioError) <= tolerance,
      });
    }
  }
  const misses = rows.filter((r) => !r.withinTolerance).length;
  const first = runs[0];
  const run: RunRecord = {
    ...first,
    profile: profiles.join('+'),
    endedAt: runs[runs.length - 1].endedAt,
    config: {
      suite: VALIDATION_SUITE,
      tolerance,
      rows,
      score: fidelityScore(rows),
      measurements: published.measurements,
    } satisfies ValidationConfig,
    cases,
  };
  return { tolerance, rows, misses, run };
}

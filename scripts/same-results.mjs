#!/usr/bin/env node
/**
 * Are two runs the same results, case by case? For a change that must not change behaviour (a
 * refactor): run the same suite before and after with `flushbench bench --json`, then
 *
 *   node scripts/same-results.mjs before.json after.json
 *
 * compares, for every case key, what the simulation decides — status, error code, the timed
 * flush's modeled cycles (statistics and every sample), the traced flush's modeled events and
 * its steps, whether the oracle found a violation — and ignores what a clock or the threads'
 * interleaving decide (wall-clock figures, times, host; see decided()). Counters and oracle
 * counts grow with the number of flushes tinybench ran, which is time-based: --exact compares
 * them too, which only two runs that happened to run as many flushes pass. Prints each
 * difference and the largest gap in the handlers' mean; exits 1 on a difference, 2 on bad input.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const args = process.argv.slice(2);
const exact = args.includes('--exact');
const files = args.filter((a) => a !== '--exact');
if (files.length !== 2) {
  process.stderr.write(
    'usage: node scripts/same-results.mjs [--exact] <before.json> <after.json>\n',
  );
  process.exit(2);
}

function casesOf(file) {
  let run;
  try {
    run = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`same-results: ${file} is not a run's JSON: ${err.message}\n`);
    process.exit(2);
  }
  if (!Array.isArray(run?.cases)) {
    process.stderr.write(`same-results: ${file} has no cases (expected bench --json output)\n`);
    process.exit(2);
  }
  return new Map(run.cases.map((c) => [c.key, c]));
}

/**
 * What the simulation decides about a case, whatever the clock did. Two things of a multi-CPU
 * case are the real threads' interleaving and are left out: the remote handlers' mean modeled
 * cycles (averaged over every csd handled, warm-up included, while user threads race them) and
 * the global order of the traced flush's steps (compared as a set: the same steps happened).
 */
function decided(c) {
  const { remoteHandlerMean: _interleaved, ...modeled } = c.modeledCycles ?? {};
  const steps = c.trace?.steps?.map(({ seq: _order, ...s }) => JSON.stringify(s)).sort() ?? null;
  const out = {
    status: c.status,
    error: c.error?.code ?? null,
    modeledCycles: modeled,
    modeledCyclesSamples: c.modeledCyclesSamples,
    traceEvents: c.trace?.events ?? null,
    traceSteps: steps,
  };
  if (exact) {
    out.counters = c.counters;
    out.oracle = c.oracle;
  } else if (c.oracle) {
    // Whether the oracle found anything does not depend on how long the case ran; how many
    // accesses it checked does.
    const o = c.oracle;
    out.violationsFound =
      o.staleUses + o.lostWrites + (o.ackWindowViolations ?? 0) + (o.freedTableWalks ?? 0) > 0;
  }
  return out;
}

const before = casesOf(files[0]);
const after = casesOf(files[1]);
let differences = 0;
for (const key of new Set([...before.keys(), ...after.keys()])) {
  const b = before.get(key);
  const a = after.get(key);
  if (!b || !a) {
    console.log(`${key}: only in ${b ? 'before' : 'after'}`);
    differences++;
    continue;
  }
  const db = decided(b);
  const da = decided(a);
  for (const field of Object.keys(db)) {
    if (!isDeepStrictEqual(db[field], da[field])) {
      console.log(`${key}: ${field} differs`);
      differences++;
    }
  }
}
let handlerGap = 0;
for (const [key, b] of before) {
  const a = after.get(key)?.modeledCycles?.remoteHandlerMean;
  const x = b.modeledCycles?.remoteHandlerMean;
  if (a > 0 && x > 0) handlerGap = Math.max(handlerGap, Math.abs(a - x) / x);
}
console.log(
  `remote handler mean (interleaving-dependent): largest gap ${(handlerGap * 100).toFixed(2)} %`,
);
console.log(
  `${before.size} cases before, ${after.size} after: ${differences === 0 ? 'the same results' : `${differences} differences`}${exact ? ' (exact: counters and oracle counts too)' : ''}`,
);
process.exit(differences === 0 ? 0 : 1);

/**
 * `flushbench validate`: the model against published measurements (bench/published.json),
 * published against modeled per protocol, absolute and as ratios to the baseline; stored like a
 * run (suite `validate`), and gated on fidelity as compare gates speed: exit 1 when a point got
 * worse than in the base validation (data/fidelity.ts), 0 otherwise — stable misses included.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hostValidation } from '../bench/host-profile.js';
import { sensitivity, TOP_COSTS } from '../bench/sensitivity.js';
import { loadPublished, type Published, type Validation, validate } from '../bench/validate.js';
import { invalidRange } from '../common/errors.js';
import {
  compareFidelity,
  FIDELITY_SLACK,
  type FidelityComparison,
  fidelityScore,
  scoreText,
} from '../data/fidelity.js';
import { asStoreFileError, dbPath, Store, sqliteFault, UnknownRefError } from '../data/store.js';
import type { StoredRun } from '../data/stored.js';
import { textTable } from '../data/text-table.js';
import type { PointSensitivity, ValidationConfig } from '../data/validation.js';
import { saveUnstoredRun } from './cli-import.js';
import type { Io } from './io.js';

/** Where validate --host writes the profile it derives (data/ holds the store too). */
const DEFAULT_HOST_PROFILE = 'data/host-profile.json';

/** A point as the table names it: the protocol, with its CPUs and pages. */
const pointLabel = (r: { protocol: string; cpus: number; pages: number }) =>
  `${r.protocol}, ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}, ${r.pages} page${r.pages === 1 ? '' : 's'}`;

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** The table of a validation: per measurement, its source and its points, then the count. */
export function formatValidation(published: Published, v: Validation): string[] {
  const lines: string[] = [];
  for (const m of published.measurements) {
    const rows = v.rows.filter((r) => r.measurement === m.id);
    const [base] = rows;
    lines.push(
      '',
      `${m.id}: ${m.title}`,
      `  ${m.source.citation}`,
      `  ${m.source.url}`,
      `  machine: ${m.machine}; modeled on ${m.profile}, per ${{ iteration: 'iteration', call: 'system call', flush: 'flush call' }[m.metric]}`,
      ...(m.note ? [`  note: ${m.note}`] : []),
      ...textTable(
        ['point', 'published', 'modeled', 'published ratio', 'modeled ratio', 'ratio off by', ''],
        rows.map((r) => [
          pointLabel(r),
          `${Math.round(r.published)} ${m.unit}`,
          `${Math.round(r.modeled)} ${m.unit}`,
          r.publishedRatio.toFixed(3),
          r.modeledRatio.toFixed(3),
          pct(r.ratioError),
          r === base ? 'baseline' : r.withinTolerance ? '✓' : '✗ MISS',
        ]),
        (i) => i >= 1 && i <= 5,
      ).map((l) => `  ${l}`),
    );
  }
  const score = fidelityScore(v.rows);
  lines.push(
    '',
    `${score.within} of ${score.of} points within ±${Math.round(v.tolerance * 100)} % of the published ratios (each measurement's baseline aside)${score.of > score.within ? `; ${score.of - score.within} missed` : ''}`,
  );
  return lines;
}

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: 'string' },
      db: { type: 'string' },
      base: { type: 'string' },
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
      sensitivity: { type: 'boolean' },
      host: { type: 'boolean' },
      'profile-out': { type: 'string' },
    },
  });
  if (values.host) {
    // --host models this machine's kernel and stores nothing: a file or a store would be ignored.
    if (values.file !== undefined) {
      throw invalidRange(
        `--file has no effect with --host: validate --host checks this machine's kernel, not published measurements (got --file ${values.file})`,
      );
    }
    if (values.db !== undefined) {
      throw invalidRange(
        `--db has no effect with --host: validate --host stores no run, its measurements are this machine's of today (got --db ${values.db})`,
      );
    }
    return hostCommand(values['profile-out'] ?? DEFAULT_HOST_PROFILE, values.json, io);
  }
  if (values['profile-out'] !== undefined) {
    throw invalidRange(
      `--profile-out has no effect without --host: it names where the host profile is written (got --profile-out ${values['profile-out']})`,
    );
  }
  if (values.json && values.markdown) {
    throw invalidRange('--json and --markdown are two formats of one report: give one (got both)');
  }
  const published = loadPublished(values.file);
  const file = dbPath(values.db);
  // A --base that names no validation run is bad input: refused before anything is written.
  const askedBase = values.base === undefined ? null : resolveBase(file, values.base);
  // A corrupt or unreadable file is named (exit 2), not an SQLite stack trace.
  const store = asStoreFileError(file, () => Store.open(file));
  try {
    const v = await validate(published);
    // Computed before the run is stored, so that it is stored with it.
    const sens = values.sensitivity ? await sensitivity(published, v) : null;
    if (sens !== null) (v.run.config as ValidationConfig).sensitivity = sens;
    let runId: number;
    try {
      runId = store.insertRun(v.run);
    } catch (err) {
      // The transaction rolled back; the result goes to a file instead, as bench's run does.
      const fault = sqliteFault(err);
      if (fault === null) throw err;
      saveUnstoredRun(v.run, file, `the database ${fault}`, io);
      return 1;
    }
    const baseId = askedBase ?? store.latestValidationOfOtherCommit(runId);
    const base = baseId === null ? null : store.getRun(baseId);
    const fidelity =
      base === null
        ? null
        : compareFidelity((base.config as Partial<ValidationConfig>).rows ?? [], v.rows);
    const score = fidelityScore(v.rows);
    const code = fidelity !== null && fidelity.regressions > 0 ? 1 : 0;
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            id: runId,
            tolerance: v.tolerance,
            score,
            misses: v.misses,
            rows: v.rows,
            base: base === null ? null : baseOf(base),
            fidelity,
            ...(sens === null ? {} : { sensitivity: sens }),
          },
          null,
          2,
        ),
      );
      return code;
    }
    if (values.markdown) {
      io.out(fidelityMarkdown(score, base, fidelity));
      return code;
    }
    const lines = formatValidation(published, v);
    if (sens !== null) lines.push(...sensitivityLines(sens));
    lines.push(...fidelityLines(base, fidelity));
    lines.push(`run ${runId} stored in ${file} (suite validate)`);
    io.out(lines.join('\n').trimStart());
    return code;
  } finally {
    store.close();
  }
}

/** --base in the store at `file`, read only: a missing store holds no validation run. */
function resolveBase(file: string, ref: string): number {
  if (!existsSync(file)) {
    throw new UnknownRefError(
      `--base must be a validation run's id, or a commit sha (or a unique prefix) or a branch with a stored validation run; ${file} does not exist yet (got ${JSON.stringify(ref)})`,
    );
  }
  const store = Store.openRead(file);
  try {
    return store.resolveValidationRef(ref);
  } finally {
    store.close();
  }
}

/** Per point, the costs it depends on most: elasticity, and whether the cost is an estimate. */
function sensitivityLines(sens: PointSensitivity[]): string[] {
  const lines = [
    '',
    `sensitivity: the % change of each point's modeled ratio per % change of a cost (top ${TOP_COSTS}; * an estimate)`,
  ];
  let measurement = '';
  for (const s of sens) {
    if (s.measurement !== measurement) {
      measurement = s.measurement;
      lines.push(`  ${measurement} (${s.profile})`);
    }
    const costs = s.costs.map(
      (c) =>
        `${c.cost}${c.estimate ? '*' : ''} ${c.elasticity >= 0 ? '+' : ''}${c.elasticity.toFixed(3)}`,
    );
    lines.push(`    ${pointLabel(s)}: ${costs.length > 0 ? costs.join(', ') : 'no cost moves it'}`);
  }
  return lines;
}

/** The base validation as a report names it. */
function baseOf(run: StoredRun) {
  return {
    id: run.id,
    commit: run.commit?.sha ?? null,
    branch: run.commit?.branch ?? null,
    startedAt: run.startedAt,
  };
}

function baseName(run: StoredRun): string {
  const c = run.commit;
  return `validation run ${run.id}${c ? ` (${c.sha.slice(0, 12)}${c.branch ? `, ${c.branch}` : ''})` : ''}`;
}

const errorText = (e: number | null) => (e === null ? '—' : pct(e));

/** The points that moved, a line each, and the verdict. */
function fidelityLines(base: StoredRun | null, f: FidelityComparison | null): string[] {
  if (base === null || f === null) {
    return ['no earlier validation run of another commit is stored: nothing to gate against'];
  }
  const moved = f.changes.filter((c) => c.kind !== 'same');
  return [
    '',
    `against ${baseName(base)}: ${scoreText(f.base)} then, ${scoreText(f.head)} now`,
    ...moved.map(
      (c) =>
        `  ${c.regression ? '✗' : ' '} ${c.measurement}: ${pointLabel(c)}: ${c.kind} (ratio off by ${errorText(c.baseError)} → ${errorText(c.headError)})`,
    ),
    f.regressions > 0
      ? `fidelity regressed at ${f.regressions} point${f.regressions === 1 ? '' : 's'} (left its tolerance, or off by ${Math.round(FIDELITY_SLACK * 100)} points more)`
      : `no point regressed${moved.length === 0 ? `: every point within ${Math.round(FIDELITY_SLACK * 100)} points of the base` : ''}`,
  ];
}

/** The pull request's section: the score and the points that moved, as a Markdown table. */
export function fidelityMarkdown(
  score: { within: number; of: number },
  base: StoredRun | null,
  f: FidelityComparison | null,
): string {
  const lines = ['### Fidelity (`flushbench validate`)', ''];
  if (base === null || f === null) {
    lines.push(`${scoreText(score)}; no validation of the base is stored, so nothing is gated.`);
    return lines.join('\n');
  }
  lines.push(
    `${scoreText(f.head)} (base: ${scoreText(f.base)}, ${baseName(base)}).`,
    f.regressions > 0
      ? `**Fidelity regressed at ${f.regressions} point${f.regressions === 1 ? '' : 's'}.**`
      : 'No point regressed.',
  );
  const moved = f.changes.filter((c) => c.kind !== 'same');
  if (moved.length > 0) {
    lines.push(
      '',
      '| | measurement | point | ratio off by (base) | ratio off by (head) | change |',
      '| --- | --- | --- | ---: | ---: | --- |',
      ...moved.map(
        (c) =>
          `| ${c.regression ? '✗' : ''} | ${c.measurement} | ${pointLabel(c)} | ${errorText(c.baseError)} | ${errorText(c.headError)} | ${c.kind} |`,
      ),
    );
  }
  return lines.join('\n');
}

/**
 * validate --host: the model on a profile of this machine against this machine's kernel — on
 * bare metal. On a VM it says why not, with exit 0: that is an answer, not a failure.
 */
async function hostCommand(
  profileFile: string,
  json: boolean | undefined,
  io: Io,
): Promise<number> {
  const h = await hostValidation(profileFile);
  if (!h.meaningful) {
    if (json)
      io.out(JSON.stringify({ meaningful: false, reason: h.reason, context: h.context }, null, 2));
    else io.out(`this host's kernel against the model: ${h.reason}`);
    return 0;
  }
  const v = await validate(h.published);
  if (json) {
    io.out(
      JSON.stringify(
        {
          meaningful: true,
          profile: profileFile,
          tolerance: v.tolerance,
          misses: v.misses,
          rows: v.rows,
        },
        null,
        2,
      ),
    );
    return v.misses > 0 ? 1 : 0;
  }
  const lines = formatValidation(h.published, v);
  lines.push(
    `host profile written to ${profileFile} (flushbench sim --profile ${profileFile}); not stored: the measurements are this machine's of today`,
  );
  io.out(lines.join('\n').trimStart());
  return v.misses > 0 ? 1 : 0;
}

/**
 * `flushbench validate`: the model against published measurements (bench/published.json),
 * published against modeled per protocol, absolute and as ratios to the baseline; stored like a
 * run (suite `validate`). Exit 1 when a ratio is off by more than the file's tolerance.
 */
import { parseArgs } from 'node:util';
import { hostValidation } from '../bench/host-profile.js';
import { loadPublished, type Published, type Validation, validate } from '../bench/validate.js';
import { dbPath, Store } from '../data/store.js';
import { textTable } from '../data/text-table.js';
import { invalidRange } from '../sim/shared/errors.js';

/** Where validate --host writes the profile it derives (data/ holds the store too). */
const DEFAULT_HOST_PROFILE = 'data/host-profile.json';

interface Io {
  out: (s: string) => void;
}

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
      `  machine: ${m.machine}; modeled on ${m.profile}, per ${m.metric === 'iteration' ? 'iteration' : 'system call'}`,
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
  const checked = v.rows.length;
  lines.push(
    '',
    `${checked - v.misses} of ${checked} ratios within ±${Math.round(v.tolerance * 100)} % of the published ones${v.misses ? `; ${v.misses} missed` : ''}`,
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
      json: { type: 'boolean' },
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
  const published = loadPublished(values.file);
  const file = dbPath(values.db);
  const store = Store.open(file);
  try {
    const v = await validate(published);
    const runId = store.insertRun(v.run);
    if (values.json) {
      io.out(
        JSON.stringify(
          { id: runId, tolerance: v.tolerance, misses: v.misses, rows: v.rows },
          null,
          2,
        ),
      );
      return v.misses > 0 ? 1 : 0;
    }
    const lines = formatValidation(published, v);
    lines.push(`run ${runId} stored in ${file} (suite validate)`);
    io.out(lines.join('\n').trimStart());
    return v.misses > 0 ? 1 : 0;
  } finally {
    store.close();
  }
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

/**
 * `flushbench validate`: the model against published measurements (bench/published.json),
 * published against modeled per protocol, absolute and as ratios to the baseline; stored like a
 * run (suite `validate`). Exit 1 when a ratio is off by more than the file's tolerance.
 */
import { parseArgs } from 'node:util';
import { loadPublished, validate } from '../bench/validate.js';
import { dbPath, Store } from '../data/store.js';
import { textTable } from '../data/text-table.js';

interface Io {
  out: (s: string) => void;
}

/** A point as the table names it: the protocol, with its CPUs and pages. */
const pointLabel = (r: { protocol: string; cpus: number; pages: number }) =>
  `${r.protocol}, ${r.cpus} CPU${r.cpus === 1 ? '' : 's'}, ${r.pages} page${r.pages === 1 ? '' : 's'}`;

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
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
      `run ${runId} stored in ${file} (suite validate)`,
    );
    io.out(lines.join('\n').trimStart());
    return v.misses > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}

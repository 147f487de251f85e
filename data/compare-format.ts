/**
 * How `flushbench compare` writes a comparison (compare.ts computes it): text for a terminal,
 * markdown for a pull request, or the JSON GET /api/compare answers. Every figure has its unit;
 * a wall change that is not hardware-like or not judged is in parentheses under a footnote.
 */
import type { Comparison, RunSide, Verdict, WallComparison } from './comparison.js';
import { textTable } from './text-table.js';

export const FORMATS = Object.freeze(['text', 'markdown', 'json'] as const);
export type Format = (typeof FORMATS)[number];

function pct(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return `${n > 0 ? '+' : ''}${n.toFixed(2)} %`;
}

/** Below 1e-6 a p-value says only that: smaller figures are the test's arithmetic, not evidence. */
export const P_FLOOR = 1e-6;

export function pValue(p: number | null | undefined): string {
  if (p === undefined || p === null || !Number.isFinite(p)) return '–';
  if (p < P_FLOOR) return '< 1e-6';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** Wall-clock with its unit: ns below a microsecond, then µs, then ms. */
export function nsText(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n < 1000) return `${Math.round(n)} ns`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(2)} µs`;
  return `${(n / 1_000_000).toFixed(2)} ms`;
}

/** Modeled cycles are whole numbers: the model sums integer costs. */
function cyclesText(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n)} cycles`;
}

const ICON: Record<Verdict, string> = {
  faster: '🟢 faster',
  slower: '🔴 slower',
  same: 'same',
  new: 'new',
  missing: 'missing',
  failed: '⚠️ failed',
};

/** The cases both runs have; those of one run only are counted below the table (onlyInOne). */
function compared(c: Comparison) {
  return c.cases.filter((x) => x.verdict !== 'new' && x.verdict !== 'missing');
}

function rows(c: Comparison): string[][] {
  const noisy = c.base.noisy !== null || c.head.noisy !== null;
  return compared(c).map((x) => [
    x.key,
    cyclesText(x.modeled?.base),
    cyclesText(x.modeled?.head),
    pct(x.modeled?.changePct),
    x.modeled?.verdict ?? '–',
    nsText(x.wall?.base),
    nsText(x.wall?.head),
    wallChangeText(x.wall, noisy),
    pValue(x.wall?.pAdjusted),
    x.wall?.verdict ?? '–',
    x.verdict,
  ]);
}

/**
 * The footnotes of wall changes shown in parentheses, by mark: more CPUs than cores (judged, but
 * not hardware-like), and changes not judged at all (their reason is computed with the comparison).
 */
const WALL_MARKS = Object.freeze({ oversubscribed: '*', unjudged: '‡', noisy: '†' });

/** A wall change, in parentheses with its footnotes' marks when it is not bare. */
function wallChangeText(w: WallComparison | null, noisy: boolean): string {
  if (w === null) return pct(undefined);
  const marks = `${w.oversubscribed ? WALL_MARKS.oversubscribed : ''}${w.unjudgedReason !== undefined ? WALL_MARKS.unjudged : ''}${noisy ? WALL_MARKS.noisy : ''}`;
  return marks === '' ? pct(w.changePct) : `(${pct(w.changePct)})${marks}`;
}

/** A verdict per metric, then the case's: the gating metric's (--metric). */
const HEADER = [
  'case',
  'modeled base',
  'modeled head',
  'Δ modeled',
  'modeled',
  'wall p50 base',
  'wall p50 head',
  'Δ wall',
  'p (Holm)',
  'wall',
  'verdict',
];

function sideText(s: RunSide): string {
  const subject = s.subject && s.subject.length > 60 ? `${s.subject.slice(0, 59)}…` : s.subject;
  return `run ${s.id}${s.commit ? ` (${s.commit.slice(0, 10)}${subject ? ` ${subject}` : ''})` : ''}`;
}

/** Two runs of one commit: the code did not change, so neither did anything but the noise. */
function sameCommitNote(c: Comparison): string {
  return `runs ${c.base.id} and ${c.head.id} share commit ${c.head.commit!.slice(0, 10)}: the code did not change, so what differs between them is noise`;
}

function summaryLine(c: Comparison): string {
  return `${c.regressions} regression${c.regressions === 1 ? '' : 's'}, ${c.improvements} improvement${c.improvements === 1 ? '' : 's'} on ${c.metric === 'both' ? 'modeled cycles and wall-clock' : c.metric === 'modeled' ? 'modeled cycles' : 'wall-clock'} (thresholds: modeled ${c.modeledThresholdPct} %, wall ${c.wallThresholdPct} % with Holm-adjusted p < ${c.alpha}); ${c.failures} failed case${c.failures === 1 ? '' : 's'}`;
}

/**
 * The cases of one run only, one line per side: counted, with the suites that explain them
 * (a default run against a smoke one), not listed above the cases that were compared.
 */
function onlyInOne(c: Comparison): string[] {
  const count = (v: 'new' | 'missing') => c.cases.filter((x) => x.verdict === v).length;
  const suites =
    c.base.suite === c.head.suite
      ? `both suite ${c.base.suite}`
      : `suite ${c.base.suite} against ${c.head.suite}`;
  const line = (n: number, run: string) =>
    `${n} case${n === 1 ? '' : 's'} only in the ${run} run (${suites}): not compared`;
  return [
    ...(count('missing') > 0 ? [line(count('missing'), `base ${c.base.id}`)] : []),
    ...(count('new') > 0 ? [line(count('new'), `head ${c.head.id}`)] : []),
  ];
}

/** The failed cases, each with why: the key a CI log reader greps for. */
function failedCases(c: Comparison): { key: string; note: string }[] {
  return c.cases
    .filter((x) => x.verdict === 'failed')
    .map((x) => ({ key: x.key, note: x.note ?? 'failed' }));
}

/** Notes on cases that did not fail: a changed host under a kernel case. */
function notedCases(c: Comparison): { key: string; note: string }[] {
  return c.cases
    .filter((x) => x.verdict !== 'failed' && x.note !== undefined)
    .map((x) => ({ key: x.key, note: x.note! }));
}

function headline(c: Comparison): string {
  if (c.regressions > 0) return '**Regression.**';
  return c.failures > 0 ? '**Failed cases.**' : 'No regression.';
}

export function formatComparison(c: Comparison, format: Format): string {
  if (format === 'json') return JSON.stringify(c, null, 2);
  const body = rows(c);
  if (format === 'markdown') {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [
      `### flushbench compare: ${sideText(c.head)} against ${sideText(c.base)}`,
      '',
      ...(c.sameCommit ? [`${sameCommitNote(c)}`, ''] : []),
      `${headline(c)} ${summaryLine(c)}`,
      '',
      line(HEADER),
      line(HEADER.map((_, i) => (i === 0 || i === HEADER.length - 1 ? '---' : '---:'))),
      ...body.map((r) =>
        line([`\`${r[0]}\``, ...r.slice(1, -1), ICON[r[r.length - 1] as Verdict]]),
      ),
      ...onlyInOne(c).map((l) => `\n${l}`),
      ...(c.failures > 0
        ? ['', 'Failed cases:', ...failedCases(c).map((f) => `- \`${f.key}\`: ${f.note}`)]
        : []),
      ...notedCases(c).map((f) => `- \`${f.key}\`: ${f.note}`),
      ...wallNotes(c).map((n) => `\n${n}`),
    ].join('\n');
  }
  return [
    `flushbench compare: head ${sideText(c.head)}, base ${sideText(c.base)}`,
    ...(c.sameCommit ? [sameCommitNote(c)] : []),
    ...textTable(HEADER, body, (i) => i > 0 && i < HEADER.length - 1),
    ...onlyInOne(c),
    summaryLine(c),
    ...failedCases(c).map((f) => `failed: ${f.key}: ${f.note}`),
    ...notedCases(c).map((f) => `note: ${f.key}: ${f.note}`),
    ...wallNotes(c),
  ].join('\n');
}

/** The footnotes of the parenthesised wall changes, when there are any. */
function wallNotes(c: Comparison): string[] {
  const notes: string[] = [];
  for (const side of [c.base, c.head]) {
    if (side.noisy !== null) {
      notes.push(
        `${WALL_MARKS.noisy} run ${side.id} was noisy (${side.noisy}): every wall change is in parentheses`,
      );
    }
  }
  if (c.cases.some((x) => x.wall?.oversubscribed)) {
    notes.push(
      `${WALL_MARKS.oversubscribed} more simulated CPUs than the measuring machines' cores: that wall-clock is the simulator waiting for a core, not hardware-like, so its change is in parentheses`,
    );
  }
  const reasons = [
    ...new Set(c.cases.flatMap((x) => (x.wall?.unjudgedReason ? [x.wall.unjudgedReason] : []))),
  ];
  if (reasons.length > 0) {
    notes.push(
      `${WALL_MARKS.unjudged} ${reasons.join('; ')} — wall-clock on another engine is another simulator's time, so that change is in parentheses and not judged (never a regression); modeled cycles compare across engines`,
    );
  }
  return notes;
}

/** How numbers, times and commits read everywhere on the dashboard: one unit style per metric. */

const NS_PER_US = 1_000;
const NS_PER_MS = 1_000_000;
/** Below this a value is shown with 3 significant digits, above with none after the point. */
const SIGNIFICANT_DIGITS = 3;
/** Git's default abbreviation: enough to be unique in any repository this tool will see. */
const SHORT_SHA_LENGTH = 8;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function significant(v: number): string {
  if (Math.abs(v) >= 10 ** SIGNIFICANT_DIGITS) return integer.format(v);
  return Number(v.toPrecision(SIGNIFICANT_DIGITS)).toString();
}

/** A wall-clock duration in the unit that keeps it short: 550 ns, 1.23 µs, 117 µs, 1.2 ms. */
export function formatNs(ns: number | null | undefined): string {
  if (ns === null || ns === undefined || !Number.isFinite(ns)) return '–';
  if (Math.abs(ns) < NS_PER_US) return `${significant(ns)} ns`;
  if (Math.abs(ns) < NS_PER_MS) return `${significant(ns / NS_PER_US)} µs`;
  return `${significant(ns / NS_PER_MS)} ms`;
}

export function formatCycles(cycles: number | null | undefined): string {
  if (cycles === null || cycles === undefined || !Number.isFinite(cycles)) return '–';
  return integer.format(cycles);
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return integer.format(n);
}

/** A signed change: +40.0 %, −3.1 %. */
export function formatChangePct(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || Number.isNaN(pct)) return '–';
  if (!Number.isFinite(pct)) return pct > 0 ? '+∞ %' : '−∞ %';
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct).toFixed(1)} %`;
}

/** A p-value: small ones in exponent form so that 1e-12 and 1e-3 stay distinguishable. */
/** Below 1e-6 a p-value says only that (the CLI's compare prints it the same way). */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p < 1e-6) return '< 1e-6';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

export function formatSpeedup(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${ratio.toFixed(2)}×`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, SHORT_SHA_LENGTH) : '(no commit)';
}

/** A commit subject's longest shown form, as `git log --oneline` readers expect (and CI asks). */
export const SUBJECT_CHARS = 72;

/** A commit message as a heading: its first line, cut at SUBJECT_CHARS with an ellipsis. */
export function subjectLine(message: string | null | undefined): string {
  const first = (message ?? '').split(/\r?\n/, 1)[0].trimEnd();
  const chars = [...first];
  return chars.length <= SUBJECT_CHARS ? first : `${chars.slice(0, SUBJECT_CHARS - 1).join('')}…`;
}

/** ISO 8601 → "2026-11-25 12:58" in the viewer's time zone. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** tinybench's relative margin of error; past 100 % of the mean, the mean means nothing. */
export function formatRme(rme: number | null | undefined): string {
  if (rme === null || rme === undefined || !Number.isFinite(rme)) return '–';
  return rme > 100 ? 'unstable' : `±${rme.toFixed(1)} %`;
}

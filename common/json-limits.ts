/**
 * What JSON.parse accepts and flushbench refuses, for every JSON a user hands it (an upload, a run
 * file to import):
 *
 * - depth, checked on the text before parsing: JSON.parse, the schema check and the store all
 *   recurse once per level, and 5,000 nested arrays overflowed the stack. A run record nests
 *   about six levels (run → cases → case → kernel → context → flags; a validate run's config →
 *   measurements → points → point), so the limit is ten times that;
 * - finiteness, after: JSON has no Infinity, but JSON.parse reads `1e400` as Infinity, and the
 *   free-form parts of a run (its config) have no schema that would refuse it.
 */

/** Arrays and objects inside one another, at most: ten times what a real run record needs. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/** The offset of the first bracket past the limit, or -1: one pass, no recursion. */
export function tooDeepAt(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPEN.has(c)) {
      if (++depth > limit) return i;
    } else if (CLOSE.has(c)) depth--;
  }
  return -1;
}

/** The path of the first number that is not finite, as a JSON pointer, or null. */
export function nonFinitePath(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, v] of Object.entries(value)) {
    const found = nonFinitePath(v, `${path}/${key}`);
    if (found !== null) return found;
  }
  return null;
}

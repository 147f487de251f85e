/**
 * Reads a JSON file that the user named, and says why it cannot without quoting it: V8's
 * SyntaxError quotes the text around the error (`Unexpected token 'r', "root:$6$…"`), and a
 * path can name any file (`--profile /etc/shadow`), whose bytes must not reach a message, a log
 * or an HTTP answer. The reason gives the parser's position when it has one, never the text.
 */
import { readFileSync } from 'node:fs';
import { MAX_JSON_DEPTH, tooDeepAt } from './json-limits.js';

const READ_FAULTS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EISDIR: 'it is a directory',
};

/** The parsed file; else throws `fail(reason)`, e.g. `is not valid JSON (at line 1, column 10)`. */
export function readJsonFile(file: string, fail: (reason: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an I/O error';
    throw fail(`cannot be read (${READ_FAULTS[code] ?? code})`);
  }
  // Before parsing: what recurses over the value afterwards must not overflow the stack.
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) {
    throw fail(`nests arrays and objects deeper than ${MAX_JSON_DEPTH} (at byte ${deep})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // The SyntaxError is not kept as the cause: its message holds the file's text.
    throw fail(`is not valid JSON (${where(text, (err as Error).message)})`);
  }
}

function where(text: string, message: string): string {
  if (text.trim() === '') return 'it is empty';
  if (message.includes('Unexpected end of JSON input')) return 'it ends inside a value';
  const m = /at position (\d+)/.exec(message);
  if (m === null) return "an unexpected token; the file's text is not shown";
  const position = Number(m[1]);
  const before = text.slice(0, position).split('\n');
  return `at position ${position}: line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

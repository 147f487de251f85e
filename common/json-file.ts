/**
 * Reads a JSON file that the user named, and says why it cannot without quoting it: V8's
 * SyntaxError quotes the text around the error (`Unexpected token 'r', "root:$6$…"`), and a
 * path can name any file (`--profile /etc/shadow`), whose bytes must not reach a message, a log
 * or an HTTP answer. The reason gives the parser's position when it has one, never the text.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_JSON_DEPTH, tooDeepAt } from './json-limits.js';

const READ_FAULTS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EISDIR: 'it is a directory',
};

/**
 * The largest JSON file flushbench reads: a run, a profile, a list of published measurements.
 * The server takes uploads up to 32 MiB; a file is allowed twice that.
 */
export const MAX_JSON_FILE_BYTES = 64 * 1024 * 1024;

/** The parsed file; else throws `fail(reason)`, e.g. `is not valid JSON (at line 1, column 10)`. */
export function readJsonFile(file: string, fail: (reason: string) => Error): unknown {
  const text = readRegularFile(file, fail);
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

/**
 * A regular file's text, at most MAX_JSON_FILE_BYTES: a device (/dev/zero, /dev/urandom) would
 * be read without end, and a FIFO would block until a writer came. Opened without blocking, so
 * that a FIFO is refused at once, then checked by the descriptor it was opened as.
 */
function readRegularFile(file: string, fail: (reason: string) => Error): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an I/O error';
    throw fail(`cannot be read (${READ_FAULTS[code] ?? code})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fail(`cannot be read (${READ_FAULTS.EISDIR})`);
    if (!stat.isFile()) {
      throw fail('is not a regular file (a device, FIFO or socket): only files are read');
    }
    if (stat.size > MAX_JSON_FILE_BYTES) {
      throw fail(
        `is ${stat.size} bytes, more than the ${MAX_JSON_FILE_BYTES} a JSON file may have`,
      );
    }
    // One byte more than the cap: a file that grew since the stat is refused, not read on.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_JSON_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        throw fail(
          length > MAX_JSON_FILE_BYTES
            ? `is more than the ${MAX_JSON_FILE_BYTES} bytes a JSON file may have`
            : 'grew while it was read',
        );
      }
    }
    // A UTF-8 byte-order mark (an editor's on Windows) is not part of the JSON; the server's
    // JSON parser skips it too.
    const text = buffer.subarray(0, length).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('FLUSHBENCH_')) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'an I/O error';
    throw fail(`cannot be read (${READ_FAULTS[code] ?? code})`);
  } finally {
    closeSync(fd);
  }
}

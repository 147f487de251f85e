/** `flushbench serve` and `flushbench push`. */
import { parseArgs } from 'node:util';
import { asStoreFileError, dbPath, Store, UnknownRefError } from '../data/store.js';
import { serve } from '../server/main.js';
import { invalidRange, invalidType } from '../sim/shared/errors.js';
import type { Io } from './cli-store.js';
import { intFlag } from './number-flag.js';

function port(value: string | undefined): number {
  return intFlag('--port', value ?? process.env.PORT ?? '3000', 0, 65535)!;
}

export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' } },
  });
  const file = dbPath(values.db);
  const token = process.env.FLUSHBENCH_TOKEN || null;
  const server = await serve({
    port: port(values.port),
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    dbFile: file,
    token,
  });
  io.out(
    `flushbench dashboard on ${server.url} (runs from ${file}; uploads ${token ? 'on' : 'off: set FLUSHBENCH_TOKEN to accept them'})`,
  );
  if (server.snapshot) {
    io.err(
      `flushbench: ${file} is in a read-only folder, so it is served as it was at start: runs stored later do not show until the server restarts`,
    );
  }
  // Serve until interrupted; close the store cleanly on the way out.
  await new Promise<void>((resolve) => {
    const stop = () => {
      void server.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

export async function pushCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { url: { type: 'string' }, run: { type: 'string' }, db: { type: 'string' } },
  });
  if (values.url === undefined)
    throw invalidType(
      '--url must be the server to push to, e.g. http://127.0.0.1:3000 (got nothing)',
    );
  let url: URL;
  try {
    url = new URL('/api/runs', values.url);
  } catch {
    throw invalidRange(`--url must be an http(s) URL (got ${JSON.stringify(values.url)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidRange(`--url must be an http(s) URL (got ${JSON.stringify(values.url)})`);
  }
  const token = process.env.FLUSHBENCH_TOKEN;
  if (!token)
    throw invalidType("FLUSHBENCH_TOKEN must hold the server's upload token (got nothing)");
  const store = Store.openRead(dbPath(values.db));
  let body: string;
  try {
    body = asStoreFileError(store.file, () => {
      const id =
        values.run === undefined ? store.latestRunId() : store.resolveRef(values.run, '--run');
      if (id === null) throw new UnknownRefError('--run: no run is stored yet (run npm run bench)');
      return JSON.stringify(store.getRunRecord(id));
    });
  } finally {
    store.close();
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const answer = (await res.json().catch(() => ({}))) as {
    id?: number;
    duplicate?: boolean;
    error?: { message: string };
  };
  if (!res.ok) {
    io.err(
      `flushbench: the server refused the run: HTTP ${res.status}: ${answer.error?.message ?? res.statusText}`,
    );
    return 1;
  }
  io.out(
    answer.duplicate
      ? `the server already had this run (id ${answer.id})`
      : `pushed: the server stored it as run ${answer.id}`,
  );
  return 0;
}

/** `flushbench serve` and `flushbench push`. */
import { parseArgs } from 'node:util';
import { createError, invalidRange, invalidType } from '../common/errors.js';
import { asStoreFileError, dbPath, Store, UnknownRefError } from '../data/store.js';
import { isHostName } from '../server/allowed-hosts.js';
import { serve } from '../server/main.js';
import { readRunFile } from './cli-import.js';
import type { Io } from './cli-store.js';
import { intFlag } from './number-flag.js';

function port(value: string | undefined): number {
  return intFlag('--port', value ?? process.env.PORT ?? '3000', 0, 65535)!;
}

/** The address to listen on: an IP address or a hostname (an empty one binds every interface). */
function host(value: string | undefined): string {
  // An empty HOST in the environment counts as unset; an empty --host is a mistake.
  const [name, raw] =
    value !== undefined ? ['--host', value] : ['HOST', process.env.HOST || '127.0.0.1'];
  if (!isHostName(raw))
    throw invalidRange(
      `${name} must be an IP address or a hostname such as 127.0.0.1, ::1 or localhost (got ${JSON.stringify(raw)})`,
    );
  return raw;
}

/** The Host header values the server answers to, comma-separated; none: every one. */
function allowedHosts(value: string | undefined): string[] {
  const [name, raw] =
    value !== undefined
      ? ['--allowed-hosts', value]
      : ['FLUSHBENCH_ALLOWED_HOSTS', process.env.FLUSHBENCH_ALLOWED_HOSTS || ''];
  if (value === undefined && raw === '') return [];
  const hosts = raw.split(',').map((h) => h.trim());
  for (const h of hosts) {
    if (!isHostName(h))
      throw invalidRange(
        `${name} must be a comma-separated list of hostnames or IP addresses (got ${JSON.stringify(raw)}: ${JSON.stringify(h)} is not one)`,
      );
  }
  return hosts;
}

/** Why listening failed, as bad input naming the option, or the error itself. */
function listenError(err: unknown, portNumber: number, hostName: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return invalidRange(
        `--port ${portNumber} is already in use on ${hostName} (EADDRINUSE): stop what listens there or choose another --port`,
      );
    case 'EACCES':
      return invalidRange(
        `--port ${portNumber} needs privileges this process lacks on ${hostName} (EACCES): choose a port from 1024 to 65535, or 0 for any free one`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return invalidRange(
        `--host must be an address of this machine or a name that resolves to one (got ${JSON.stringify(hostName)}: ${code})`,
      );
    default:
      return err;
  }
}

export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      'allowed-hosts': { type: 'string' },
    },
  });
  const file = dbPath(values.db);
  const token = process.env.FLUSHBENCH_TOKEN || null;
  const listenOn = { port: port(values.port), host: host(values.host) };
  const hosts = allowedHosts(values['allowed-hosts']);
  const server = await serve({ ...listenOn, dbFile: file, token, allowedHosts: hosts }).catch(
    (err: unknown) => {
      throw listenError(err, listenOn.port, listenOn.host);
    },
  );
  io.out(
    `flushbench dashboard on ${server.url} (runs from ${file}; uploads ${token ? 'on' : 'off: set FLUSHBENCH_TOKEN to accept them'}${hosts.length > 0 ? `; answers Host ${hosts.join(', ')} only` : ''})`,
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

/** How long push waits for the server to store the run (a 15-MB run is parsed and checked). */
const PUSH_TIMEOUT_MS = 60_000;

/**
 * fetch's own error says only "fetch failed"; what went wrong is its cause (ECONNREFUSED,
 * ENOTFOUND, a reset) or the timeout.
 */
function unreachable(url: URL, err: unknown): Error {
  type Cause = { code?: string; message?: string; errors?: Cause[] };
  const e = err as Error & { cause?: Cause };
  // A name with several addresses (localhost: ::1 and 127.0.0.1) fails with one error each.
  const describe = (c: Cause): string =>
    c.errors?.length ? c.errors.map(describe).join('; ') : c.message || c.code || '';
  const why =
    e?.name === 'TimeoutError'
      ? `no answer within ${PUSH_TIMEOUT_MS / 1000} s`
      : (e?.cause && describe(e.cause)) || e?.message || String(err);
  return createError('NETWORK', [url.origin, why], { cause: err });
}

export async function pushCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      run: { type: 'string' },
      db: { type: 'string' },
      file: { type: 'string' },
    },
  });
  if (values.file !== undefined && (values.run !== undefined || values.db !== undefined)) {
    throw invalidRange(
      `--file pushes a run file, --run and --db a stored run: give one or the other (got --file ${values.file} with ${values.run !== undefined ? `--run ${values.run}` : `--db ${values.db}`})`,
    );
  }
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
  const body =
    values.file !== undefined
      ? JSON.stringify(readRunFile(values.file, 'push'))
      : storedRunJson(values.run, values.db);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
  }).catch((err: unknown) => {
    throw unreachable(url, err);
  });
  const answer = (await res.json().catch(() => ({}))) as {
    id?: number;
    duplicate?: boolean;
    sweep?: { id: string; shards: number; arrived: number[]; missing: number[] };
    error?: { message: string };
  };
  if (!res.ok) {
    io.err(
      `flushbench: the server refused the run: HTTP ${res.status}: ${answer.error?.message ?? res.statusText}`,
    );
    return 1;
  }
  const sweep = answer.sweep;
  io.out(
    sweep !== undefined && answer.id === undefined
      ? `pushed: the server keeps the shard; sweep ${sweep.id} has ${sweep.arrived.length} of ${sweep.shards} shards (missing: ${sweep.missing.join(', ')})`
      : sweep !== undefined
        ? `pushed: the last shard of sweep ${sweep.id}; the server merged its ${sweep.shards} shards into run ${answer.id}`
        : answer.duplicate
          ? `the server already had this run (id ${answer.id})`
          : `pushed: the server stored it as run ${answer.id}`,
  );
  return 0;
}

/** A stored run (--run, else the latest) as the JSON the server takes. */
function storedRunJson(ref: string | undefined, db: string | undefined): string {
  const store = Store.openRead(dbPath(db));
  try {
    return asStoreFileError(store.file, () => {
      const id = ref === undefined ? store.latestRunId() : store.resolveRef(ref, '--run');
      if (id === null) throw new UnknownRefError('--run: no run is stored yet (run npm run bench)');
      return JSON.stringify(store.getRunRecord(id));
    });
  } finally {
    store.close();
  }
}

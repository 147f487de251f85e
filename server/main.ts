/** `flushbench serve`: the dashboard and the API on one port, loopback by default. */
import { buildApp } from './app.js';

export interface ServeOptions {
  port: number;
  host: string;
  dbFile: string;
  token: string | null;
  /** Host header values answered; any other gets 421 (see allowed-hosts.ts). Empty: all. */
  allowedHosts?: readonly string[];
}

/** Warnings and errors, a 500's cause among them, on stderr; requests themselves are not logged. */
const LOG_LEVEL = 'warn';

export async function serve(
  opts: ServeOptions,
): Promise<{ url: string; snapshot: boolean; close: () => Promise<void> }> {
  const app = await buildApp({
    dbFile: opts.dbFile,
    token: opts.token,
    logger: { level: LOG_LEVEL, stream: process.stderr },
    allowedHosts: opts.allowedHosts ?? null,
  });
  try {
    await app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    // A busy port or an address that is not ours: close the store before the caller reports it.
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/`,
    snapshot: app.store.snapshot,
    close: () => app.close(),
  };
}

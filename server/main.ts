/** `flushbench serve`: the dashboard and the API on one port, loopback by default. */
import { buildApp } from './app.js';

export interface ServeOptions {
  port: number;
  host: string;
  dbFile: string;
  token: string | null;
}

export async function serve(
  opts: ServeOptions,
): Promise<{ url: string; snapshot: boolean; close: () => Promise<void> }> {
  const app = await buildApp({ dbFile: opts.dbFile, token: opts.token, logger: false });
  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/`,
    snapshot: app.store.snapshot,
    close: () => app.close(),
  };
}

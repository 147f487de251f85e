/**
 * `flushbench serve` and `push` when the network says no: a bad --host or --allowed-hosts and a
 * busy port exit 2 naming the option and the value; push to a server that is not there exits 1
 * with the cause (ECONNREFUSED and the address), never a stack trace. And the control: serve
 * with --allowed-hosts listens and answers only the names listed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { Store } from '../data/store.js';
import { CLI, cliAsync, emptyDb, syntheticRun, tempDb } from './helpers.js';

/** A TCP listener on 127.0.0.1 at a port the system picks. */
async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const STACK_LINE = /^\s+at /m;
/** No serve in these tests lives longer: past it, it is stopped (SIGTERM) and the test fails. */
const SERVE_LIMIT_MS = 60_000;

/**
 * Runs `flushbench serve`; should it start listening (the fault under test not caught), it is
 * stopped at once, so that the test fails on its exit code rather than hanging.
 */
function serveOnce(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: SERVE_LIMIT_MS,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    if (stdout.includes('dashboard on')) child.kill('SIGKILL');
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

for (const [args, message] of [
  [['--host', ''], /--host must be an IP address or a hostname .* \(got ""\)/],
  [['--host', 'bad host!'], /--host must be an IP address or a hostname .* \(got "bad host!"\)/],
  [
    ['--allowed-hosts', 'localhost,,127.0.0.1'],
    /--allowed-hosts must be a comma-separated list of hostnames or IP addresses \(got "localhost,,127.0.0.1": "" is not one\)/,
  ],
] as [string[], RegExp][]) {
  test(`serve ${args.map((a) => JSON.stringify(a)).join(' ')} → exit 2 naming the option and the value`, async () => {
    const r = await serveOnce(['--port', '0', '--db', emptyDb(), ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing listened');
  });
}

test('serve on a port another listener holds → exit 2 naming the port and EADDRINUSE', async (t) => {
  const { server, port } = await listener();
  t.after(() => server.close());
  const r = await serveOnce(['--port', String(port), '--host', '127.0.0.1', '--db', emptyDb()]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`--port ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`),
  );
  assert.doesNotMatch(r.stderr, STACK_LINE);
});

test('push to a port nothing listens on → exit 1 with ECONNREFUSED and the address, no stack', async () => {
  const db = tempDb();
  const store = Store.open(db);
  store.insertRun(syntheticRun());
  store.close();
  // A port that was free a moment ago: listen, note it, close.
  const { server, port } = await listener();
  await new Promise((resolve) => server.close(resolve));
  const r = await cliAsync(['push', '--url', `http://127.0.0.1:${port}`, '--db', db], undefined, {
    FLUSHBENCH_TOKEN: 'token',
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^flushbench: could not reach the server at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\[FLUSHBENCH_ERR_NETWORK\\]$`,
      'm',
    ),
  );
  assert.doesNotMatch(r.stderr, STACK_LINE);
  assert.doesNotMatch(r.stderr, /fetch failed/);
});

test('serve --allowed-hosts answers the listed names and refuses others with 421 (the control)', async (t) => {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--db',
      emptyDb(),
      '--allowed-hosts',
      'bench.example.org,127.0.0.1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: SERVE_LIMIT_MS },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.on('close', () => reject(new Error(`serve exited: ${stdout}`)));
  });
  assert.match(stdout, /answers Host bench\.example\.org, 127\.0\.0\.1 only/);
  const listed = await fetch(`${url}api/health`);
  assert.equal(listed.status, 200);
  // fetch sets Host from the URL; a raw request can send any Host, as a rebinding page would.
  const { request } = await import('node:http');
  const foreign = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${url}api/health`, { headers: { host: 'evil.example' } }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(foreign.status, 421, foreign.body);
  assert.match(foreign.body, /FLUSHBENCH_ERR_HOST_NOT_ALLOWED/);
  child.kill('SIGINT');
  assert.equal(await exited, 0, 'SIGINT stops serve cleanly');
});

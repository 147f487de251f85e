/**
 * The CI's sticky pull-request comment (scripts/pr-comment.mjs) against a fake GitHub API on
 * 127.0.0.1: the first run creates the comment, the next updates that same one, other comments
 * are left alone, and bad input exits 2 naming the variable.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/pr-comment.mjs', import.meta.url));

interface Comment {
  id: number;
  body: string;
}
const comments: Comment[] = [{ id: 1, body: 'a reviewer said something' }];
const calls: string[] = [];
let api = '';
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => {
    raw += d;
  });
  req.on('end', () => {
    calls.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== 'Bearer t0ken') {
      res.writeHead(401).end('{}');
      return;
    }
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'GET' && req.url?.startsWith('/repos/o/r/issues/7/comments')) {
      return json(200, comments);
    }
    if (req.method === 'POST' && req.url === '/repos/o/r/issues/7/comments') {
      const c = { id: 100 + comments.length, body: JSON.parse(raw).body };
      comments.push(c);
      return json(201, c);
    }
    const patch = req.url?.match(/^\/repos\/o\/r\/issues\/comments\/(\d+)$/);
    if (req.method === 'PATCH' && patch) {
      const c = comments.find((x) => x.id === Number(patch[1]));
      if (!c) return json(404, {});
      c.body = JSON.parse(raw).body;
      return json(200, c);
    }
    json(404, {});
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

function run(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [SCRIPT, file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
}

const ENV = { GITHUB_TOKEN: 't0ken', GITHUB_REPOSITORY: 'o/r', PR_NUMBER: '7' };

test('one sticky comment: created once, then updated in place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-comment-'));
  const first = join(dir, 'a.md');
  writeFileSync(first, '### flushbench compare\nNo regression.\n');
  const a = await run(first, { ...ENV, GITHUB_API_URL: api });
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /created comment 101 on #7/);
  const second = join(dir, 'b.md');
  writeFileSync(second, '### flushbench compare\n**Regression.**\n');
  const b = await run(second, { ...ENV, GITHUB_API_URL: api });
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /updated comment 101 on #7/);
  assert.equal(comments.length, 2, 'no second comment');
  assert.equal(comments[0].body, 'a reviewer said something', 'other comments untouched');
  assert.match(
    comments[1].body,
    /^<!-- flushbench-compare -->\n### flushbench compare\n\*\*Regression\.\*\*/,
  );
  assert.ok(calls.includes('PATCH /repos/o/r/issues/comments/101'));
});

test('bad input exits 2 naming the variable; an API refusal exits 1 with its status', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'fb-comment-')), 'c.md');
  writeFileSync(file, 'x');
  const before = calls.length;
  const noPr = await run(file, { ...ENV, PR_NUMBER: 'abc', GITHUB_API_URL: api });
  assert.equal(noPr.code, 2);
  assert.match(noPr.err, /PR_NUMBER must be set and match .* \(got "abc"\)/);
  const noFile = await run(join(tmpdir(), 'no-such-flushbench-file.md'), {
    ...ENV,
    GITHUB_API_URL: api,
  });
  assert.equal(noFile.code, 2);
  assert.match(noFile.err, /the markdown file must be readable/);
  assert.equal(calls.length, before, 'nothing was sent');
  const refused = await run(file, { ...ENV, GITHUB_TOKEN: 'wrong', GITHUB_API_URL: api });
  assert.equal(refused.code, 1);
  assert.match(refused.err, /answered 401/);
});

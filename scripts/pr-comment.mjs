#!/usr/bin/env node
/**
 * Posts a pull request's flushbench comparison as one sticky comment: the first run creates it,
 * every later push updates the same comment (found by a hidden marker), and no other comment is
 * touched. Usage: node scripts/pr-comment.mjs <markdown file>
 * Environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), PR_NUMBER, and GITHUB_API_URL
 * (set by GitHub Actions; https://api.github.com otherwise). Every request is bounded.
 */
import { readFileSync } from 'node:fs';

const MARKER = '<!-- flushbench-compare -->';
const TIMEOUT_MS = 30_000;
const PER_PAGE = 100;
const MAX_PAGES = 50;

function fail(message, code = 2) {
  process.stderr.write(`pr-comment: ${message}\n`);
  process.exit(code);
}

const env = (name, rule) => {
  const v = process.env[name];
  if (!v || !rule.test(v))
    fail(`${name} must be set and match ${rule} (got ${JSON.stringify(v ?? null)})`);
  return v;
};

const [file] = process.argv.slice(2);
if (!file) fail('the markdown file to post must be given: node scripts/pr-comment.mjs <file>');
const token = env('GITHUB_TOKEN', /^\S+$/);
const repo = env('GITHUB_REPOSITORY', /^[\w.-]+\/[\w.-]+$/);
const pr = env('PR_NUMBER', /^[1-9]\d*$/);
const api = (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/$/, '');
let markdown;
try {
  markdown = readFileSync(file, 'utf8');
} catch (e) {
  fail(`the markdown file must be readable (${file}: ${e.message})`);
}
const body = `${MARKER}\n${markdown}`;

async function call(method, path, payload) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(payload ? { 'content-type': 'application/json' } : {}),
    },
    body: payload ? JSON.stringify(payload) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok)
    fail(`${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`, 1);
  return res.json();
}

let existing = null;
for (let page = 1; page <= MAX_PAGES && existing === null; page++) {
  const comments = await call(
    'GET',
    `/repos/${repo}/issues/${pr}/comments?per_page=${PER_PAGE}&page=${page}`,
  );
  existing = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER)) ?? null;
  if (comments.length < PER_PAGE) break;
}
if (existing) {
  await call('PATCH', `/repos/${repo}/issues/comments/${existing.id}`, { body });
  process.stdout.write(`pr-comment: updated comment ${existing.id} on #${pr}\n`);
} else {
  const created = await call('POST', `/repos/${repo}/issues/${pr}/comments`, { body });
  process.stdout.write(`pr-comment: created comment ${created.id} on #${pr}\n`);
}

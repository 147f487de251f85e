#!/usr/bin/env node
/**
 * The sweep workflow's job summary: the merged run (`flushbench merge --json`) as the verdict per
 * profile and CPU count — how many cases completed, how many a safe protocol's guarantee broke
 * (violated), how many failed (errored) — and which hosts ran it. The statuses are the run's own;
 * this only counts them. Usage: node scripts/sweep-summary.mjs <merged run.json>
 */
import { readFileSync } from 'node:fs';

function fail(message) {
  process.stderr.write(`sweep-summary: ${message}\n`);
  process.exit(2);
}

const file = process.argv[2];
if (!file) fail('give the merged run file, e.g. node scripts/sweep-summary.mjs sweep-run.json');
let run;
try {
  run = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  fail(`${file} cannot be read as JSON (${err.code ?? 'not JSON'})`);
}
if (!Array.isArray(run?.cases) || run.sweep === undefined) {
  fail(`${file} is not a merged sweep (flushbench merge --json writes one)`);
}

const groups = new Map();
for (const c of run.cases) {
  const key = `${c.profile}\u0000${c.cpus}`;
  const g = groups.get(key) ?? {
    profile: c.profile,
    cpus: c.cpus,
    completed: 0,
    violated: 0,
    errored: 0,
  };
  g[c.status] += 1;
  groups.set(key, g);
}
const rows = [...groups.values()].sort((a, b) =>
  a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : a.cpus - b.cpus,
);
const verdict = (g) =>
  g.violated > 0 ? '✗ guarantee broken' : g.errored > 0 ? '✗ failed cases' : '✓';
const hosts = [...new Set(run.cases.map((c) => c.host?.hostname ?? run.host.hostname))];
const lines = [
  `## Sweep ${run.sweep.id}: suite ${run.suite}, ${run.sweep.shards} shards, ${run.cases.length} cases`,
  '',
  `Commit ${run.commit?.sha?.slice(0, 12) ?? 'unknown'}; run on ${hosts.length} host${hosts.length === 1 ? '' : 's'} (${hosts.join(', ')}).`,
  '',
  '| profile | CPUs | cases | completed | violated | errored | verdict |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rows.map(
    (g) =>
      `| ${g.profile} | ${g.cpus} | ${g.completed + g.violated + g.errored} | ${g.completed} | ${g.violated} | ${g.errored} | ${verdict(g)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);

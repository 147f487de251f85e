/**
 * .github/workflows/sweep.yml, run here: every `run` step of its jobs in their order, as the
 * workflow dispatched with suite smoke and 3 shards would run them — the plan's matrix, then the
 * shard job once per matrix entry (a loop standing in for the runners), then the merge job — with
 * the artifact actions played by copying files and no server (no FLUSHBENCH_URL). Only `npm ci`
 * is skipped: this checkout is installed. The merged run must be the suite's, and the summary its
 * verdict per profile and CPU count.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string | boolean | number>;
}
interface Job {
  needs?: string | string[];
  strategy?: { matrix: Record<string, string> };
  env?: Record<string, string>;
  steps: Step[];
}

const workflow = parse(readFileSync(join(ROOT, '.github/workflows/sweep.yml'), 'utf8')) as {
  on: {
    workflow_dispatch: { inputs: Record<string, { default: string }> };
    schedule: { cron: string }[];
  };
  jobs: Record<string, Job>;
};

test('sweep.yml is dispatched with a suite and a number of shards (8 by default), and weekly', () => {
  const inputs = workflow.on.workflow_dispatch.inputs;
  assert.equal(inputs.suite.default, 'full');
  assert.equal(inputs.shards.default, '8');
  assert.equal(workflow.on.schedule.length, 1);
  assert.match(workflow.on.schedule[0].cron, /^\S+ \S+ \* \* \d$/, 'once a week');
  assert.deepEqual(workflow.jobs.merge.needs, ['plan', 'shard']);
  assert.match(workflow.jobs.shard.strategy!.matrix.shard, /needs\.plan\.outputs\.shards/);
});

test('the workflow’s steps, run here with the matrix as a loop, merge 3 shards into one run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-sweep-wf-'));
  // What the checkout and npm ci give a runner: the scripts, and npx finding flushbench.
  symlinkSync(join(ROOT, 'scripts'), join(dir, 'scripts'));
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(join(ROOT, 'bin/flushbench.js'), join(dir, 'node_modules/.bin/flushbench'));
  const artifacts = join(dir, '.artifacts');
  const summary = join(dir, 'summary.md');
  const base = { SUITE: 'smoke', SHARDS: '3', GITHUB_STEP_SUMMARY: summary };
  const expand = (text: string, matrix: Record<string, string>) =>
    text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k: string) => matrix[k]);
  const logs: string[] = [];

  const runJob = (name: string, matrix: Record<string, string> = {}) => {
    const job = workflow.jobs[name];
    const output = join(dir, `${name}-output`);
    writeFileSync(output, '');
    const env: Record<string, string> = { ...base, GITHUB_OUTPUT: output };
    for (const [k, v] of Object.entries(job.env ?? {})) env[k] = expand(v, matrix);
    for (const step of job.steps) {
      if (step.uses?.startsWith('actions/upload-artifact')) {
        const to = join(artifacts, expand(String(step.with!.name), matrix));
        const path = join(dir, expand(String(step.with!.path), matrix));
        if (!existsSync(path)) continue; // `if: hashFiles(...) != ''`
        mkdirSync(to, { recursive: true });
        cpSync(path, join(to, expand(String(step.with!.path), matrix)));
      } else if (step.uses?.startsWith('actions/download-artifact')) {
        const into = join(dir, String(step.with!.path));
        mkdirSync(into, { recursive: true });
        const pattern = new RegExp(`^${String(step.with!.pattern).replace('*', '.*')}$`);
        for (const a of readdirSync(artifacts).filter((n) => pattern.test(n))) {
          cpSync(join(artifacts, a), into, { recursive: true });
        }
      } else if (step.run !== undefined && step.run.trim() !== 'npm ci') {
        const r = spawnSync('bash', ['-e', '-c', expand(step.run, matrix)], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, ...env, FLUSHBENCH_URL: '', FLUSHBENCH_TOKEN: '' },
          timeout: 300_000,
        });
        logs.push(`${name} ${JSON.stringify(matrix)}: ${step.name ?? step.run}\n${r.stdout}`);
        assert.equal(r.status, 0, `${name}: ${step.name ?? step.run}\n${r.stdout}${r.stderr}`);
      }
    }
    return readFileSync(output, 'utf8');
  };

  const planned = /^shards=(.*)$/m.exec(runJob('plan'));
  assert.ok(planned, 'the plan writes the matrix');
  const matrix = JSON.parse(planned[1]) as number[];
  assert.deepEqual(matrix, [1, 2, 3]);
  for (const shard of matrix) runJob('shard', { shard: String(shard) });
  runJob('merge');

  const merged = JSON.parse(readFileSync(join(dir, 'sweep-run.json'), 'utf8'));
  assert.equal(merged.sweep.shards, 3);
  assert.equal(merged.sweep.shard, null);
  assert.equal(merged.cases.length, 9, 'the smoke suite’s 9 cases');
  assert.ok(
    logs.some((l) => l.includes('FLUSHBENCH_URL is not set')),
    'no server: a notice',
  );
  const text = readFileSync(summary, 'utf8');
  assert.match(text, /## Sweep [0-9a-f]{16}: suite smoke, 3 shards, 9 cases/);
  for (const cpus of [1, 2, 4]) {
    assert.match(
      text,
      new RegExp(`\\| xeon-gold-5418y-2s \\| ${cpus} \\| 3 \\| 3 \\| 0 \\| 0 \\| ✓ \\|`),
    );
  }
});

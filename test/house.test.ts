/**
 * The house, drawn from its imports: which floor may import which, no cycles, no oversized file.
 * The floors, top down: cli → bench, server → sim, data → common. sim and data import nothing
 * of ours but common, nor does host (the real kernel, measured); the server never imports bench
 * or the CLI; web talks HTTP only.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FLOORS = ['common', 'sim', 'host', 'data', 'bench', 'server', 'cli'];
const MAX_LINES = 500;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return d.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a file, as the source file it names (type-only imports too). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = FLOORS.flatMap(sources);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const floorOf = (f: string) => f.split('/')[0];

test('sim, host and data import nothing of ours but themselves and common', () => {
  for (const [file, deps] of graph) {
    if (!['sim', 'host', 'data'].includes(floorOf(file))) continue;
    for (const dep of deps) {
      assert.ok([floorOf(file), 'common'].includes(floorOf(dep)), `${file} imports ${dep}`);
    }
  }
});

test('common imports nothing of ours; the server imports neither bench nor the CLI; nothing imports the CLI', () => {
  for (const [file, deps] of graph) {
    for (const dep of deps) {
      if (floorOf(file) === 'common')
        assert.equal(floorOf(dep), 'common', `${file} imports ${dep}`);
      if (floorOf(file) === 'server') {
        assert.ok(!['bench', 'cli'].includes(floorOf(dep)), `${file} imports ${dep}`);
      }
      if (floorOf(dep) === 'cli') assert.equal(floorOf(file), 'cli', `${file} imports ${dep}`);
    }
  }
});

test('no import cycles', () => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    if (state.get(f) === 'done') return;
    assert.notEqual(
      state.get(f),
      'open',
      `cycle: ${[...path.slice(path.indexOf(f)), f].join(' → ')}`,
    );
    state.set(f, 'open');
    path.push(f);
    for (const dep of graph.get(f) ?? []) visit(dep);
    path.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f);
  assert.ok(state.size > 50, 'the graph was read');
});

test(`no source file over ${MAX_LINES} lines`, () => {
  for (const file of [...files, ...sources('web/src'), ...sources('test')]) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n').length;
    assert.ok(lines <= MAX_LINES, `${file} has ${lines} lines`);
  }
});

test('web talks to the server over HTTP only: of ours it imports itself, and types of data/', () => {
  for (const file of sources('web/src')) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(
      /^(import|export)(\s+type)?\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms,
    )) {
      const dep = normalize(join(dirname(file), m[3]));
      if (dep.startsWith('web/src/')) continue;
      assert.ok(dep.startsWith('data/'), `${file} imports ${dep}`);
      assert.ok(m[2], `${file} imports ${dep} as values, not types only`);
    }
  }
  // And the built dashboard has no module from outside it.
  for (const file of sources('web/src')) {
    const js = readFileSync(
      join(ROOT, 'dist/web', file.slice('web/src/'.length).replace(/\.ts$/, '.js')),
      'utf8',
    );
    assert.doesNotMatch(js, /from '\.\.\/\.\.\//, `dist of ${file} reaches outside the dashboard`);
  }
});

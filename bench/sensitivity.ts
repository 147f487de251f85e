/**
 * `flushbench validate --sensitivity`: for each point, the costs its modeled ratio depends on
 * most, as elasticities — the % change of the point's modeled ratio to its baseline per % change
 * of one cost, every other cost held. Each cost is raised by a quarter in turn, in a copy of each
 * profile the measurements use, and validate's cases run again; the change is measured in whole
 * cycles, as the model uses them (a 4-cycle cost raised a quarter is 5 cycles, a 25 % change; a
 * 3-cycle one stays 3 and has no measurable elasticity). Computed here, once, and stored with the
 * validation run; the CLI and the Validation view show it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PointSensitivity } from '../data/validation.js';
import { loadProfile } from '../sim/index.js';
import { COST_KEYS, type CostKey, profileFile } from '../sim/shared/profile.js';
import type { BenchProgress } from './runner.js';
import { type Published, type Validation, validate } from './validate.js';

/** The factor each cost is raised by. */
const STEP = 1.25;
/** Costs reported per point. */
export const TOP_COSTS = 3;

/** A profile's file as JSON: a built-in by name, or a profile file by path. */
function profileJson(nameOrPath: string): Record<string, unknown> & {
  name: string;
  costs: Record<string, { value: number; ledger?: unknown }>;
} {
  return JSON.parse(readFileSync(profileFile(nameOrPath), 'utf8'));
}

export async function sensitivity(
  published: Published,
  base: Validation,
  progress: BenchProgress = {},
): Promise<PointSensitivity[]> {
  const profiles = [...new Set(published.measurements.map((m) => m.profile))];
  const original = new Map(profiles.map((p) => [p, loadProfile(p)]));
  // elasticity[row][cost]
  const byRow = base.rows.map(() => new Map<CostKey, number>());
  const dir = mkdtempSync(join(tmpdir(), 'flushbench-sensitivity-'));
  try {
    for (const key of COST_KEYS) {
      const files = new Map<string, string>();
      const changed = new Map<string, number>();
      for (const p of profiles) {
        const json = profileJson(p);
        const cost = json.costs[key];
        // A copy is no built-in: it keeps no ledger, and a name of its own.
        for (const c of Object.values(json.costs)) delete c.ledger;
        // e.g. xeon-e5-2680v3-2s.ipiSend (a profile's name allows letters, digits, . _ -).
        json.name = `${original.get(p)!.name}.${key}`;
        cost.value *= STEP;
        const file = join(dir, `${json.name}.json`);
        writeFileSync(file, JSON.stringify(json));
        files.set(p, file);
        const before = original.get(p)!.cycles[key];
        changed.set(p, loadProfile(file).cycles[key] / before - 1);
      }
      const perturbed = await validate(
        {
          ...published,
          measurements: published.measurements.map((m) => ({
            ...m,
            profile: files.get(m.profile)!,
          })),
        },
        progress,
      );
      for (const [i, row] of base.rows.entries()) {
        const m = published.measurements.find((x) => x.id === row.measurement)!;
        const dc = changed.get(m.profile)!;
        if (dc === 0) continue;
        const dr = perturbed.rows[i].modeledRatio / row.modeledRatio - 1;
        byRow[i].set(key, dr / dc);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out: PointSensitivity[] = [];
  const seen = new Set<string>();
  for (const [i, row] of base.rows.entries()) {
    // Each measurement's baseline has ratio 1 whatever the costs.
    if (!seen.has(row.measurement)) {
      seen.add(row.measurement);
      continue;
    }
    const m = published.measurements.find((x) => x.id === row.measurement)!;
    const profile = original.get(m.profile)!;
    const costs = [...byRow[i]]
      .filter(([, e]) => e !== 0)
      .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
      .slice(0, TOP_COSTS)
      .map(([cost, elasticity]) => ({
        cost,
        elasticity,
        estimate: profile.entries[cost].estimate,
      }));
    out.push({
      measurement: row.measurement,
      protocol: row.protocol,
      cpus: row.cpus,
      pages: row.pages,
      profile: profile.name,
      costs,
    });
  }
  return out;
}

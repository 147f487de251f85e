#!/usr/bin/env node
/**
 * The sweep workflow's matrix: 1 … n as a JSON list, for `strategy.matrix.shard`.
 * Usage: node scripts/sweep-matrix.mjs <n>, n from 1 to 256 (bench --shard's bound).
 */
const MAX_SHARDS = 256;
const raw = process.argv[2] ?? '';
const n = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
if (!(n >= 1 && n <= MAX_SHARDS)) {
  process.stderr.write(
    `sweep-matrix: shards must be an integer from 1 to ${MAX_SHARDS} (got ${JSON.stringify(raw)})\n`,
  );
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(Array.from({ length: n }, (_, i) => i + 1))}\n`);

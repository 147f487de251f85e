/**
 * `npm run bench` until the suites land: every safe protocol at 1, 2 and 4 CPUs, one page,
 * workload madvise, on one machine per CPU count; a table of wall-clock and modeled cycles with
 * the speedup against sync, and the oracle's verdict.
 */
import { type CaseResult, Machine, SAFE_PROTOCOLS } from '../sim/index.js';
import { formatNs } from './report.js';

const CPU_COUNTS = [1, 2, 4];
const FLUSHES = 2000;

async function main(): Promise<number> {
  const rows: CaseResult[] = [];
  for (const cpus of CPU_COUNTS) {
    const machine = await Machine.start({ cpus });
    try {
      for (const protocol of SAFE_PROTOCOLS)
        rows.push(await machine.run({ protocol, flushes: FLUSHES }));
    } finally {
      await machine.close();
    }
  }
  const header = ['protocol', 'cpus', 'wall p50', 'wall p99', 'modeled p50', 'vs sync', 'oracle'];
  const table = rows.map((r) => {
    const sync = rows.find((s) => s.protocol === 'sync' && s.cpus === r.cpus)!;
    const clean = r.oracle.staleUses + r.oracle.lostWrites === 0;
    return [
      r.protocol,
      `${r.cpus}${r.cpus > r.hostCores ? '*' : ''}`,
      formatNs(r.latencyNs.p50),
      formatNs(r.latencyNs.p99),
      `${r.modeledCycles.p50} cy`,
      `${(sync.modeledCycles.p50 / r.modeledCycles.p50).toFixed(2)}×`,
      clean ? '✓' : '✗',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`madvise, 1 page, ${FLUSHES} flushes per case, profile ${rows[0].profile}`);
  console.log(line(header));
  for (const row of table) console.log(line(row));
  console.log(
    "* more CPUs than cores: wall-clock is the simulator's; modeled cycles are the metric that scales",
  );
  return rows.every((r) => r.oracle.staleUses + r.oracle.lostWrites === 0) ? 0 : 1;
}

process.exitCode = await main();

/**
 * What `flushbench bench` shows while it runs: on a terminal a progress bar (cases done / total,
 * elapsed, ETA, the case running); elsewhere (CI) one plain line per finished case.
 */
import cliProgress from 'cli-progress';
import type { CaseRecord } from '../data/run-record.js';
import { formatNs } from './report.js';
import type { BenchProgress } from './runner.js';
import type { CaseSpec } from './suites.js';

export function describeCase(
  c: Pick<CaseSpec, 'cpus' | 'pages'> & { protocol: string; workload: string },
): string {
  return `${c.protocol} ${c.workload} ${c.cpus} CPU${c.cpus === 1 ? '' : 's'} ${c.pages} page${c.pages === 1 ? '' : 's'}`;
}

export function caseLine(r: CaseRecord): string {
  if (r.status === 'errored') return `ERROR ${r.error?.message}`;
  const oracle = r.status === 'violated' ? '✗ oracle VIOLATED' : '✓';
  return `wall p50 ${formatNs(r.wallNs!.p50)}, modeled ${r.modeledCycles!.mean.toFixed(0)} cycles ${oracle}`;
}

export function progressFor(stream: NodeJS.WriteStream): BenchProgress & { stop(): void } {
  if (!stream.isTTY) {
    return {
      caseFinished(i, total, record, elapsedMs) {
        stream.write(
          `[${i + 1}/${total}] ${describeCase(record)}: ${caseLine(record)} (${(elapsedMs / 1000).toFixed(1)} s)\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        '{bar} {value}/{total} cases | {duration_formatted} elapsed | ETA {eta_formatted} | {case}',
      hideCursor: true,
      etaBuffer: 8,
      stream,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    caseStarted(i, total, spec) {
      if (!started) {
        bar.start(total, i, { case: describeCase(spec) });
        started = true;
      } else bar.update(i, { case: describeCase(spec) });
    },
    caseFinished(i, _total, record) {
      bar.update(i + 1, { case: describeCase(record) });
      if (record.status !== 'completed') {
        // Keep failures on screen above the bar.
        bar.stop();
        stream.write(`${describeCase(record)}: ${caseLine(record)}\n`);
        started = false;
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

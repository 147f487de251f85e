/**
 * What `flushbench bench` shows while it runs: on a terminal a progress bar (cases done / total,
 * elapsed, ETA, the case running); elsewhere (CI) one plain line per finished case.
 */
import cliProgress from 'cli-progress';
import type { BenchProgress } from '../bench/runner.js';
import type { CaseSpec } from '../bench/suites.js';
import type { CaseRecord } from '../data/run-record.js';
import { formatNs, ORACLE_MARK, recordVerdict } from './report.js';

export function describeCase(
  c: Pick<CaseSpec, 'cpus' | 'pages'> & { protocol: string; workload: string },
): string {
  return `${c.protocol} ${c.workload} ${c.cpus} CPU${c.cpus === 1 ? '' : 's'} ${c.pages} page${c.pages === 1 ? '' : 's'}`;
}

/** One finished case: its figures and the oracle's verdict, as the table shows it. */
export function caseLine(r: CaseRecord): string {
  if (r.status === 'errored') {
    return recordVerdict(r) === 'not-caught'
      ? `${ORACLE_MARK['not-caught']} (negative control): ${r.error.message}`
      : `ERROR ${r.error.message}`;
  }
  const figures =
    r.modeledCycles === null
      ? `madvise p50 ${formatNs(r.wallNs.p50)} on this host's kernel`
      : `wall p50 ${formatNs(r.wallNs.p50)}, modeled ${r.modeledCycles.mean.toFixed(0)} cycles`;
  const verdict = recordVerdict(r);
  const mark = `${ORACLE_MARK[verdict]}${verdict === 'caught' || verdict === 'not-caught' ? ' (negative control)' : ''}`;
  return `${figures} ${mark}`;
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

/**
 * `flushbench kernel`: this host's real TLB shootdown (madvise + touch from pinned threads), with
 * the context that explains it (cli/kernel-report.ts). Ctrl-C ends every thread and unmaps the
 * region before the command exits.
 */
import { parseArgs } from 'node:util';
import { invalidRange } from '../common/errors.js';
import {
  checkHost,
  checkKernelOptions,
  KERNEL_WORKLOADS,
  type KernelCase,
  type KernelWorkload,
  measureKernel,
} from '../host/kernel.js';
import { describeHost, kernelTable } from './kernel-report.js';
import { flagNumber } from './number-flag.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const DEFAULT_ITERATIONS = 20_000;

function wholeNumber(flag: string, text: string): number {
  return flagNumber(flag, text, 'a whole number', (n) => Number.isInteger(n) && n >= 0)!;
}

export async function kernelCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      cpus: { type: 'string' },
      pages: { type: 'string', default: '1' },
      workload: { type: 'string', default: 'touch' },
      iterations: { type: 'string', default: String(DEFAULT_ITERATIONS) },
      json: { type: 'boolean' },
    },
  });
  // The flags first: a typo is the same answer on every host.
  const askedCpus = values.cpus?.split(',').map((s) => wholeNumber('--cpus', s.trim()));
  const twice = askedCpus?.find((n, i) => askedCpus.indexOf(n) !== i);
  if (twice !== undefined) {
    throw invalidRange(
      `--cpus must name each CPU count once (got ${twice} twice in ${JSON.stringify(values.cpus)})`,
    );
  }
  const pages = wholeNumber('--pages', values.pages);
  const iterations = wholeNumber('--iterations', values.iterations);
  const context = checkHost();
  const online = context.onlineCpus.length;
  const cpuCounts = askedCpus ?? Array.from({ length: online }, (_, i) => i + 1);
  const workload = values.workload as KernelWorkload;
  // Every case's options are checked before the first thread starts.
  for (const cpus of cpuCounts) checkKernelOptions({ cpus, pages, workload, iterations }, context);

  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const cases: KernelCase[] = [];
  try {
    for (const cpus of cpuCounts) {
      if (!values.json) io.err(`kernel: ${cpus} CPU${cpus === 1 ? '' : 's'}, ${workload}…`);
      cases.push(
        await measureKernel({ cpus, pages, workload, iterations, signal: abort.signal }, context),
      );
    }
  } catch (err) {
    if (abort.signal.aborted) {
      io.err('flushbench: kernel interrupted; every thread has ended and the region is unmapped');
      return 130;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (values.json) {
    io.out(JSON.stringify({ context, cases }, null, 2));
    return 0;
  }
  io.out(
    [
      ...describeHost(context),
      `workload ${workload} (${KERNEL_WORKLOADS.join(' | ')}), ${pages} page${pages === 1 ? '' : 's'}, ${iterations} timed iterations per case`,
      '',
      ...kernelTable(cases),
    ].join('\n'),
  );
  return 0;
}

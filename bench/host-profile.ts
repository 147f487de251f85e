/**
 * `flushbench validate --host`: a cost profile of this machine, and the model on it against this
 * machine's own kernel. Meaningful on bare metal only: under a hypervisor the vCPUs' scheduling
 * and the paravirtual flush are not in the model, so on a VM it says so instead of a number.
 *
 * The profile starts from the nearest built-in one and takes from this host:
 * - its clock, topology and PTI (sysfs, /proc/cpuinfo);
 * - a cache-line transfer between CPU 0 and CPU 1, from a pinned ping-pong (a primitive);
 * - three costs fitted, in that order, to two kernel cases: the system call's fixed part to
 *   madvise at 1 CPU, the page fault to the touch at 1 CPU, the interrupt entry to the madvise
 *   increment from 1 to 2 CPUs with a toucher.
 * Those two cases are then not validated against: the points are the other page counts, CPU
 * counts and the idle remote, as ratios to the 1-CPU call.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { createError } from '../common/errors.js';
import type { HostContext } from '../host/context.js';
import { checkHost, type KernelCase, measureKernel } from '../host/kernel.js';
import type { KernelWorkload } from '../host/kernel-protocol.js';
import { lineTransferNs } from '../host/pingpong.js';
import { type Distance, distanceBetween, topologyOf } from '../host/topology.js';
import { linuxProtocolOf, type Protocol } from '../sim/index.js';
import { runBench } from './runner.js';
import type { Measurement, Published } from './validate.js';

const PROFILES_DIR = new URL('../../sim/profiles/', import.meta.url);
const HOST_ITERATIONS = 20_000;
/** The same tolerance as the published measurements' (bench/published.json). */
const HOST_TOLERANCE = 0.15;

/** Which of flushbench's protocols this kernel runs, by its version. */
export function kernelProtocolOf(kernel: string): Protocol {
  const [major, minor] = kernel.split(/[.-]/).map(Number);
  // The table's Linux ranges cover every version from 0 on.
  return linuxProtocolOf(major * 1000 + minor) as Protocol;
}

/** The built-in profile nearest this host: by vendor, and by PTI among Intel's. */
export function baseProfileOf(context: HostContext): string {
  if (/AMD/i.test(context.cpuModel)) return 'epyc-7r13-2s';
  return context.pti ? 'xeon-e5-2680v3-2s' : 'xeon-gold-5418y-2s';
}

const LINE_KEY: Record<Distance, string> = {
  smt: 'lineTransferSmt',
  llc: 'lineTransferLlc',
  socket: 'lineTransferSocket',
  'remote-socket': 'lineTransferRemoteSocket',
};

/**
 * What the fit uses: the host, its clock, the line transfer, and two kernel cases — `local` (1 CPU,
 * whose madvise and touch fit the system call and the page fault) and `remote` (2 CPUs).
 */
export interface HostFitInput {
  context: HostContext;
  ghz: number;
  line: { distance: Distance; ns: number };
  local: KernelCase;
  remote: KernelCase;
  date: string;
}

type CostJson = {
  value: number;
  unit: string;
  source: string;
  estimate: boolean;
  ledger?: unknown[];
};
type ProfileJson = Record<string, unknown> & { costs: Record<string, CostJson> };

/** The model's 1- and 2-CPU system call and 1-CPU iteration on a profile file, in cycles. */
async function modeled(
  file: string,
  protocol: Protocol,
): Promise<{ call1: number; iteration1: number; call2: number }> {
  const run = await runBench({
    suite: 'host-fit',
    cases: [1, 2].map((cpus) => ({ protocol, workload: 'madvise' as const, cpus, pages: 1 })),
    profile: file,
    timeMs: 1,
    iterations: 50,
    seed: 1,
    trace: false,
    noiseCheck: false,
  });
  const at = (cpus: number) => {
    const c = run.cases.find((x) => x.cpus === cpus);
    if (!c || c.status === 'errored' || !c.modeledCycles) {
      // The case's own error says why; the run fails with it named.
      throw createError('CASE_FAILED', [
        `the model failed on the host profile at ${cpus} CPUs${c?.status === 'errored' ? `: ${c.error.message}` : ''}`,
      ]);
    }
    return c.modeledCycles;
  };
  return { call1: at(1).callMean!, iteration1: at(1).iterationMean, call2: at(2).callMean! };
}

/**
 * The host profile: the base profile's costs, this host's settings and line transfer, and the
 * system call, page fault and interrupt entry fitted so that the model meets the two cases.
 */
export async function fitHostProfile(input: HostFitInput, file: string): Promise<ProfileJson> {
  const { context, ghz } = input;
  const baseName = baseProfileOf(context);
  const base = JSON.parse(
    readFileSync(new URL(`${baseName}.json`, PROFILES_DIR), 'utf8'),
  ) as ProfileJson;
  const costs: Record<string, CostJson> = {};
  for (const [key, { ledger: _history, ...cost }] of Object.entries(base.costs)) {
    // The built-in's ledger is its own history: this file's costs start here, and some are fitted.
    costs[key] = { ...cost, source: `from profile ${baseName}, not measured here: ${cost.source}` };
  }
  const lineKey = LINE_KEY[input.line.distance];
  costs[lineKey] = {
    value: Math.round(input.line.ns * 10) / 10,
    unit: 'ns',
    source: `measured on this host (${input.date}): half the median round trip of a shared word between two threads pinned to CPUs 0 and 1 (${input.line.distance})`,
    estimate: false,
  };
  const onlineCount = context.onlineCpus.length;
  const topology = topologyOf(context.onlineCpus);
  const profile: ProfileJson = {
    name: 'host',
    description: `This host: ${context.cpuModel}, Linux ${context.kernel}, ${onlineCount} online CPUs, derived by flushbench validate --host on ${input.date}`,
    ghz: Math.round(ghz * 1000) / 1000,
    topology,
    pti: {
      value: context.pti,
      source: `this host's /sys/devices/system/cpu/vulnerabilities/meltdown: ${context.meltdown ?? 'unreadable'}`,
    },
    apicMode: {
      value: (base.apicMode as { value: string }).value,
      source: `not readable from user space; profile ${baseName}'s`,
    },
    apicClusterSize: {
      value: (base.apicClusterSize as { value: number }).value,
      source: `follows the APIC mode, which is profile ${baseName}'s`,
    },
    invlpgbMaxPages: {
      value: (base.invlpgbMaxPages as { value: number }).value,
      source: `profile ${baseName}'s (this host's CPUID is not read)`,
    },
    costs,
  };
  const protocol = kernelProtocolOf(context.kernel);
  const write = () => writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`);
  const cyclesOf = (ns: number) => ns * ghz;
  // The base's costs in cycles at this host's clock, whichever unit the base gave.
  const cyclesNow = (key: string) =>
    costs[key].unit === 'ns' ? costs[key].value * ghz : costs[key].value;
  const fitted = (key: string, add: number, why: string) => {
    const value = Math.max(1, Math.round(cyclesNow(key) + add));
    costs[key] = {
      value,
      unit: 'cycles',
      source: `fitted on this host (${input.date}) ${why}${value === 1 && add < 0 ? '; the fit wanted less than 1 cycle and was held at 1' : ''}`,
      estimate: false,
    };
  };
  // Costs in cycles from here: the base's ns costs stay ns, the fitted ones are cycles.
  write();
  let m = await modeled(file, protocol);
  const call1 = cyclesOf(input.local.madviseNs.p50);
  fitted(
    'syscall',
    call1 - m.call1,
    `so that the model's madvise call at 1 CPU, 1 page (${protocol}) is this host's p50, ${input.local.madviseNs.p50.toFixed(0)} ns`,
  );
  const refault = m.iteration1 - m.call1;
  fitted(
    'pageFault',
    cyclesOf(input.local.touchNs.p50) - refault,
    `so that the model's refault at 1 CPU is this host's touch p50, ${input.local.touchNs.p50.toFixed(0)} ns`,
  );
  write();
  m = await modeled(file, protocol);
  const increment = cyclesOf(input.remote.madviseNs.p50) - call1;
  fitted(
    'ipiEntry',
    increment - (m.call2 - m.call1),
    `so that the model's madvise call grows from 1 to 2 CPUs (a toucher on CPU 1) as this host's p50 does: ${input.local.madviseNs.p50.toFixed(0)} → ${input.remote.madviseNs.p50.toFixed(0)} ns`,
  );
  write();
  return profile;
}

/** This host's clock from /proc/cpuinfo (the current frequency of CPU 0). */
function cpuGhz(): number {
  const mhz = readFileSync('/proc/cpuinfo', 'utf8').match(/^cpu MHz\s*:\s*([\d.]+)/m)?.[1];
  const ghz = Number(mhz) / 1000;
  if (!(ghz > 0)) {
    throw createError('HOST_UNSUPPORTED', [
      '/proc/cpuinfo gives no cpu MHz, so its clock is unknown',
    ]);
  }
  return ghz;
}

export type HostValidation =
  | { meaningful: false; reason: string; context: HostContext }
  | { meaningful: true; context: HostContext; profileFile: string; published: Published };

/**
 * Measures this host and builds the validation of the model on its profile: the measurements are
 * this kernel's cases that the fit did not use. On a VM, says why it is not meaningful instead.
 */
export async function hostValidation(
  profileFile: string,
  /** Tests run the path's mechanics on a VM; its figures then mean nothing and are not shown. */
  opts: { onVirtualMachine?: boolean } = {},
): Promise<HostValidation> {
  const context = checkHost();
  if (context.hypervisor && !opts.onVirtualMachine) {
    return {
      meaningful: false,
      context,
      reason: `not meaningful on a virtual machine (${context.hypervisorVendor ?? 'hypervisor unknown'}): the hypervisor's scheduling of vCPUs${context.kvmPvTlbFlush === 'yes' ? ' and its paravirtual remote flush' : ''} are not in the model`,
    };
  }
  if (context.onlineCpus.length < 2) {
    return {
      meaningful: false,
      context,
      reason: 'not meaningful with one online CPU: no remote flush to fit or to check',
    };
  }
  const measure = (cpus: number, pages: number, workload: KernelWorkload) =>
    measureKernel({ cpus, pages, workload, iterations: HOST_ITERATIONS }, context);
  const date = new Date().toISOString().slice(0, 10);
  const local = await measure(1, 1, 'touch');
  const remote = await measure(2, 1, 'touch');
  const line = {
    distance: distanceBetween(context.onlineCpus[0], context.onlineCpus[1]),
    ns: await lineTransferNs(context.onlineCpus[0], context.onlineCpus[1]),
  };
  await fitHostProfile({ context, ghz: cpuGhz(), line, local, remote, date }, profileFile);
  const protocol = kernelProtocolOf(context.kernel);
  const point = (k: KernelCase) => ({
    protocol,
    cpus: k.cpus,
    pages: k.pages,
    published: k.madviseNs.p50,
  });
  const growth = [
    point(local),
    point(await measure(1, 8, 'touch')),
    point(await measure(2, 8, 'touch')),
  ];
  for (let n = 4; n <= context.onlineCpus.length; n *= 2)
    growth.push(point(await measure(n, 1, 'touch')));
  const idle = [point(local), point(await measure(2, 1, 'idle'))];
  const source = {
    citation: `this host, measured by flushbench validate --host on ${date} (${release()})`,
    authors: ['flushbench validate --host'],
    url: 'flushbench kernel',
    quote: 'madvise(MADV_DONTNEED) call p50, ns',
  };
  const common = {
    source,
    machine: `${context.cpuModel}, ${context.onlineCpus.length} CPUs, bare metal`,
    kernel: `Linux ${context.kernel} (${protocol})`,
    benchmark: 'madvise(MADV_DONTNEED) call of the initiating thread, p50 (flushbench kernel)',
    profile: profileFile,
    metric: 'call' as const,
    unit: 'ns' as const,
  };
  const measurements: Measurement[] = [
    {
      ...common,
      id: 'host-growth',
      title: "This host's kernel: the madvise call as pages and CPUs grow (other CPUs reading)",
      workload: 'madvise',
      points: growth,
    },
    {
      ...common,
      id: 'host-idle',
      title: "This host's kernel: an idle other CPU (lazy TLB: no IPI)",
      workload: 'idle',
      points: idle,
    },
  ];
  return {
    meaningful: true,
    context,
    profileFile,
    published: {
      tolerance: {
        ratio: HOST_TOLERANCE,
        why: 'the published measurements’ tolerance (bench/published.json)',
      },
      measurements,
    },
  };
}

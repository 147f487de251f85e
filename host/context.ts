/**
 * What explains a real measurement: the kernel, the hypervisor (and whether KVM's paravirtual
 * TLB flush is in use, which skips IPIs to preempted vCPUs), PTI, the TLB-related CPU flags, the
 * CPU model. Read from /proc and /sys; what cannot be read is said to be unknown, never guessed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { createError } from '../common/errors.js';

export interface HostContext {
  kernel: string;
  cpuModel: string;
  /** Online CPUs, from /sys/devices/system/cpu/online. */
  onlineCpus: number[];
  /** The `hypervisor` cpuinfo flag: the numbers are a virtual machine's. */
  hypervisor: boolean;
  /** The hypervisor's name from the boot log, when readable. */
  hypervisorVendor: string | null;
  /** KVM's paravirtual remote TLB flush: 'yes', 'no', or null when the boot log is unreadable. */
  kvmPvTlbFlush: 'yes' | 'no' | null;
  /** /sys/devices/system/cpu/vulnerabilities/meltdown, e.g. "Mitigation: PTI" or "Not affected". */
  meltdown: string | null;
  pti: boolean;
  flags: { pcid: boolean; invpcid: boolean; invlpgb: boolean };
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** "0-3,6,8-9" → [0, 1, 2, 3, 6, 8, 9]. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi = lo] = part.split('-').map(Number);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw createError('HOST_UNSUPPORTED', [
        `its CPU lists in /sys cannot be read (got ${JSON.stringify(text.trim())})`,
      ]);
    }
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/** The boot log, if this user may read it (dmesg_restrict), else null; read once per process. */
let bootLogRead: { log: string | null } | null = null;
function bootLog(): string | null {
  if (bootLogRead === null) {
    const r = spawnSync('dmesg', [], { encoding: 'utf8', timeout: 2000, maxBuffer: 16 << 20 });
    const ok = r.status === 0 && typeof r.stdout === 'string' && r.stdout.length > 0;
    bootLogRead = { log: ok ? r.stdout : null };
  }
  return bootLogRead.log;
}

export function readHostContext(): HostContext {
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  const flagLine = cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  const flags = new Set(flagLine.trim().split(/\s+/));
  const online = read('/sys/devices/system/cpu/online');
  const meltdown = read('/sys/devices/system/cpu/vulnerabilities/meltdown')?.trim() ?? null;
  const log = flags.has('hypervisor') ? bootLog() : null;
  return {
    kernel: release(),
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? 'unknown',
    onlineCpus: online === null ? [] : parseCpuList(online),
    hypervisor: flags.has('hypervisor'),
    hypervisorVendor: log?.match(/Hypervisor detected: (.*)/)?.[1]?.trim() ?? null,
    kvmPvTlbFlush: !flags.has('hypervisor')
      ? 'no'
      : log === null
        ? null
        : /pv remote TLB flush/i.test(log)
          ? 'yes'
          : 'no',
    meltdown,
    pti: meltdown !== null && /PTI/.test(meltdown),
    flags: {
      pcid: flags.has('pcid'),
      invpcid: flags.has('invpcid'),
      invlpgb: flags.has('invlpgb'),
    },
  };
}

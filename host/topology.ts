/**
 * This host's topology from sysfs, as a cost profile describes one: how far apart two CPUs are
 * (SMT siblings, one last-level cache, one socket, two sockets) and the counts per level.
 */
import { readFileSync } from 'node:fs';
import { parseCpuList } from './context.js';

export type Distance = 'smt' | 'llc' | 'socket' | 'remote-socket';

const CPU_DIR = '/sys/devices/system/cpu';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The CPUs that share `cpu`'s last-level cache (the highest cache index it lists). */
function llcOf(cpu: number): number[] | null {
  for (let index = 4; index >= 2; index--) {
    const list = read(`${CPU_DIR}/cpu${cpu}/cache/index${index}/shared_cpu_list`);
    if (list !== null) return parseCpuList(list);
  }
  return null;
}

export function distanceBetween(a: number, b: number): Distance {
  const siblings = read(`${CPU_DIR}/cpu${a}/topology/thread_siblings_list`);
  if (siblings !== null && parseCpuList(siblings).includes(b)) return 'smt';
  if (llcOf(a)?.includes(b)) return 'llc';
  const pa = read(`${CPU_DIR}/cpu${a}/topology/physical_package_id`);
  const pb = read(`${CPU_DIR}/cpu${b}/topology/physical_package_id`);
  return pa !== null && pa === pb ? 'socket' : 'remote-socket';
}

/** Sockets, cores per socket, threads per core and cores per LLC of the online CPUs. */
export function topologyOf(cpus: readonly number[]): {
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  coresPerLlc: number;
} {
  const packages = new Set<string>();
  const cores = new Set<string>();
  let threadsPerCore = 1;
  let llcThreads = 1;
  for (const cpu of cpus) {
    const pkg = read(`${CPU_DIR}/cpu${cpu}/topology/physical_package_id`) ?? '0';
    packages.add(pkg);
    cores.add(`${pkg}/${read(`${CPU_DIR}/cpu${cpu}/topology/core_id`) ?? cpu}`);
    const siblings = read(`${CPU_DIR}/cpu${cpu}/topology/thread_siblings_list`);
    if (siblings !== null) threadsPerCore = Math.max(threadsPerCore, parseCpuList(siblings).length);
    llcThreads = Math.max(llcThreads, llcOf(cpu)?.length ?? 1);
  }
  const sockets = packages.size;
  const coresPerSocket = Math.max(1, Math.round(cores.size / sockets));
  return {
    sockets,
    coresPerSocket,
    threadsPerCore,
    coresPerLlc: Math.min(coresPerSocket, Math.max(1, Math.round(llcThreads / threadsPerCore))),
  };
}

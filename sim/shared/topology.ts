/**
 * Where a machine's CPUs sit: sockets, LLC groups, cores and SMT threads, numbered as Linux
 * enumerates x86 machines, their x2APIC IDs, and the distance class between two of them — what
 * the cost model prices a cache-line transfer by. A profile states its topology (profile.ts).
 */

export interface Topology {
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  coresPerLlc: number;
}

/** Distance classes between two CPUs, nearest first. */
export const DIST_SELF = 0;
export const DIST_SMT = 1;
export const DIST_LLC = 2;
export const DIST_SOCKET = 3;
export const DIST_REMOTE_SOCKET = 4;
export const DISTANCE_NAMES = Object.freeze(['self', 'smt', 'llc', 'socket', 'remote-socket']);

export function hardwareThreads(t: Topology): number {
  return t.sockets * t.coresPerSocket * t.threadsPerCore;
}

/**
 * Where CPU `cpu` sits, numbered as Linux enumerates x86 machines: the first thread of every
 * core across all sockets, then the SMT siblings in the same order.
 */
export function placeCpu(t: Topology, cpu: number): { socket: number; llc: number; core: number } {
  const cores = t.sockets * t.coresPerSocket;
  const core = cpu % cores;
  return {
    core,
    socket: Math.floor(core / t.coresPerSocket),
    llc: Math.floor(core / t.coresPerLlc),
  };
}

/**
 * CPU `cpu`'s x2APIC ID as Intel and AMD lay it out: the socket in the high bits (each socket a
 * power-of-two block), then the core within the socket, then the thread.
 */
export function apicId(t: Topology, cpu: number): number {
  const cores = t.sockets * t.coresPerSocket;
  const { core, socket } = placeCpu(t, cpu);
  const thread = Math.floor(cpu / cores);
  const perSocket = 2 ** Math.ceil(Math.log2(t.coresPerSocket * t.threadsPerCore));
  return socket * perSocket + (core % t.coresPerSocket) * t.threadsPerCore + thread;
}

export function distance(t: Topology, a: number, b: number): number {
  if (a === b) return DIST_SELF;
  const pa = placeCpu(t, a);
  const pb = placeCpu(t, b);
  if (pa.core === pb.core) return DIST_SMT;
  if (pa.llc === pb.llc) return DIST_LLC;
  if (pa.socket === pb.socket) return DIST_SOCKET;
  return DIST_REMOTE_SOCKET;
}

/** cpus × cpus distance classes, row-major. */
export function distanceMatrix(t: Topology, cpus: number): Uint8Array {
  const m = new Uint8Array(cpus * cpus);
  for (let a = 0; a < cpus; a++) for (let b = 0; b < cpus; b++) m[a * cpus + b] = distance(t, a, b);
  return m;
}

/**
 * Where every CPU of a profile sits — its core, LLC and socket, and the x2APIC cluster one ICR
 * write reaches — worked out once per worker and profile, not once per CPU: a worker hosting 768
 * CPUs would otherwise place 768² of them at every case.
 */
import {
  apicCluster,
  DIST_LLC,
  DIST_REMOTE_SOCKET,
  DIST_SELF,
  DIST_SMT,
  DIST_SOCKET,
  type Profile,
  placeCpu,
} from '../shared/profile.js';

export interface Placement {
  core: Int32Array;
  llc: Int32Array;
  socket: Int32Array;
  /** The ICR write that reaches each CPU: its x2APIC cluster (cluster mode) or itself. */
  cluster: Int32Array;
}

const placements = new WeakMap<Profile, Map<number, Placement>>();

/** The placement of CPUs 0 … cpus − 1 on the profile's machine, made once per profile object. */
export function placementOf(profile: Profile, cpus: number): Placement {
  let byCount = placements.get(profile);
  if (byCount === undefined) {
    byCount = new Map();
    placements.set(profile, byCount);
  }
  let p = byCount.get(cpus);
  if (p === undefined) {
    p = {
      core: new Int32Array(cpus),
      llc: new Int32Array(cpus),
      socket: new Int32Array(cpus),
      cluster: new Int32Array(cpus),
    };
    for (let c = 0; c < cpus; c++) {
      const at = placeCpu(profile.topology, c);
      p.core[c] = at.core;
      p.llc[c] = at.llc;
      p.socket[c] = at.socket;
      p.cluster[c] = apicCluster(profile, c);
    }
    byCount.set(cpus, p);
  }
  return p;
}

/** The distance class from one CPU to any other (DIST_SELF … DIST_REMOTE_SOCKET). */
export interface Distances {
  to(cpu: number): number;
}

/**
 * Distances from `self`, by the rule of profile.ts's distance(), read off the placement's shared
 * arrays when asked: a table per CPU would be 960 bytes of its own at 960 CPUs, one more line
 * of host memory each target's handler touches far from the rest.
 */
export class DistancesFrom implements Distances {
  private readonly p: Placement;
  private readonly self: number;
  private readonly core: number;
  private readonly llc: number;
  private readonly socket: number;

  constructor(p: Placement, self: number) {
    this.p = p;
    this.self = self;
    this.core = p.core[self];
    this.llc = p.llc[self];
    this.socket = p.socket[self];
  }

  to(c: number): number {
    const p = this.p;
    return c === this.self
      ? DIST_SELF
      : p.core[c] === this.core
        ? DIST_SMT
        : p.llc[c] === this.llc
          ? DIST_LLC
          : p.socket[c] === this.socket
            ? DIST_SOCKET
            : DIST_REMOTE_SOCKET;
  }
}

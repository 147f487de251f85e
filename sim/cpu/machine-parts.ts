/**
 * What a worker is given to build its CPUs from: the buffer and its layout (CpuInit, the threads
 * engine's workerData), and what every CPU on one worker thread shares (MachineParts).
 */
import { AddressSpace } from '../shared/address-space.js';
import {
  computeLayout,
  type Layout,
  type LayoutParams,
  pscBase,
  tlbBase,
} from '../shared/layout.js';
import { PagingStructureCache } from './psc.js';
import { Tlb } from './tlb.js';

export interface CpuInit {
  sab: SharedArrayBuffer;
  layout: LayoutParams;
  cpu: number;
}

/**
 * What every CPU on one worker thread shares: the view of the buffer and every CPU's TLB and
 * paging-structure cache (broadcast invalidation reaches them all). Made once per worker, so a
 * worker hosting 768 CPUs holds 768 of each, not 768².
 */
export interface MachineParts {
  i32: Int32Array;
  layout: Layout;
  tlbs: Tlb[];
  pscs: PagingStructureCache[];
}

export function machineParts(sab: SharedArrayBuffer, params: LayoutParams): MachineParts {
  const i32 = new Int32Array(sab);
  const layout = computeLayout(params);
  const tables = AddressSpace.maxTables(layout.cpus);
  const tlbs: Tlb[] = [];
  const pscs: PagingStructureCache[] = [];
  for (let c = 0; c < layout.cpus; c++) {
    tlbs.push(new Tlb(i32, tlbBase(layout, c), layout.tlbSets, layout.tlbWays));
    pscs.push(new PagingStructureCache(i32, pscBase(layout, c), tables));
  }
  return { i32, layout, tlbs, pscs };
}

/**
 * The workloads, as one table of traits, the way protocols.ts keeps the protocols: what the CPU
 * code, the cost model, the options and the suites need to know about a workload is a field
 * here, not an `if (workload === …)` of their own.
 *
 * Three rows are will-it-scale's TLB tests in its threads mode, as its repository defines them
 * (antonblanchard/will-it-scale, tests/tlb_flush1.c, tlb_flush2.c, tlb_flush3.c): every thread
 * maps a region of its own in the one mm, and loops over it a page at a time —
 *
 *     *(addr + i) = 1;  madvise(addr + i, pgsize, MADV_DONTNEED);  assert(*(addr + i) == …);
 *
 * — so every thread flushes one page from every other thread's CPU, and faults around it. What
 * the three differ in is the mapping, hence the faults (Linux mm/memory.c):
 *   - tlb_flush1, a 128 MB MAP_PRIVATE file mapping: the write is a copy-on-write fault (a page
 *     read-mapped by the last read's fault-around is copied by do_wp_page(); at a 16-page window's
 *     start do_cow_fault() copies it), the read a page-cache fault (do_read_fault(), which maps
 *     the page and what of its 64 KiB window is unmapped): 2 faults an iteration.
 *   - tlb_flush2, a 1 MB anonymous mapping: the write allocates and clears a page
 *     (do_anonymous_page()), the read maps the zero page: 2 faults an iteration.
 *   - tlb_flush3, a 128 MB MAP_SHARED file mapping: the read's fault-around maps the next 15
 *     pages writable (tmpfs wants no write notification), so the write faults only at a window's
 *     start (do_shared_fault()): 1 + 1/16 faults an iteration — lkp's counters read 1.058
 *     (minor-faults over iterations, commit 4e92030c05's report, Skylake 104 threads and
 *     Sapphire Rapids 192 threads).
 * The model prices every fault at the profile's `pageFault`: no profile has a source for the
 * kinds apart (zero-page, copy-on-write, page-cache), so they are not told apart.
 */

export const WORKLOADS = Object.freeze([
  'madvise',
  'munmap',
  'idle',
  'idle-loaded',
  'irqs-off',
  'crosscall',
  'nmi',
  'multi',
  'tlb_flush1',
  'tlb_flush2',
  'tlb_flush3',
] as const);
export type Workload = (typeof WORKLOADS)[number];

/** A will-it-scale test a workload reproduces. */
export interface WillItScaleTest {
  /** Its file in the will-it-scale repository. */
  file: string;
  /** Its `testcase_description`, verbatim. */
  description: string;
  /** The region each thread maps, bytes; the loop unmaps and maps it again after its last page. */
  mappingBytes: number;
}

export interface WorkloadTraits {
  /** Every CPU runs the loop and flushes the others (will-it-scale's threads); else CPU 0 alone. */
  everyCpuInitiates: boolean;
  /** The CPUs run user code between flushes; false: the targets idle (lazy TLB mode). */
  userCode: boolean;
  /** Every flush frees page tables (munmap of a whole table's range). */
  freesTables: boolean;
  /** Page faults an iteration takes per page it madvises (the refault, and the loop's own). */
  faultsPerPage: number;
  /** The one page count the loop madvises, when it fixes one; null: `--pages` chooses. */
  pages: number | null;
  /** The will-it-scale test this row is; null for flushbench's own workloads. */
  willItScale: WillItScaleTest | null;
  /** One line for the CLI's help and the README. */
  summary: string;
}

const OWN: Pick<WorkloadTraits, 'freesTables' | 'faultsPerPage' | 'pages' | 'willItScale'> = {
  freesTables: false,
  faultsPerPage: 1,
  pages: null,
  willItScale: null,
};

/** will-it-scale's threads mode: every thread initiates, one page an iteration. */
function willItScale(
  test: WillItScaleTest,
  faultsPerPage: number,
  summary: string,
): WorkloadTraits {
  return {
    everyCpuInitiates: true,
    userCode: true,
    freesTables: false,
    faultsPerPage,
    pages: 1,
    willItScale: test,
    summary,
  };
}

const FILE_BYTES = 128 * 1024 * 1024;

export const WORKLOAD_TRAITS: Readonly<Record<Workload, WorkloadTraits>> = Object.freeze({
  madvise: {
    ...OWN,
    everyCpuInitiates: false,
    userCode: true,
    summary:
      'CPU 0 zaps --pages pages, flushes, touches them again; the others run user code on the same mm',
  },
  munmap: {
    ...OWN,
    everyCpuInitiates: false,
    userCode: true,
    freesTables: true,
    summary: "as madvise, and the zap frees the range's last-level page table (condition 1)",
  },
  idle: {
    ...OWN,
    everyCpuInitiates: false,
    userCode: false,
    summary: 'as madvise; the others idle in lazy TLB mode and catch up through tlb_gen',
  },
  'idle-loaded': {
    ...OWN,
    everyCpuInitiates: false,
    userCode: false,
    summary: 'as madvise; the others idle with the mm loaded: each IPI wakes them',
  },
  'irqs-off': {
    ...OWN,
    everyCpuInitiates: false,
    userCode: true,
    summary: "as madvise; the others' user work has periodic interrupt-disabled windows",
  },
  crosscall: {
    ...OWN,
    everyCpuInitiates: false,
    userCode: true,
    summary: 'as madvise, and cross-calls that read user memory before and after each flush',
  },
  nmi: {
    ...OWN,
    everyCpuInitiates: false,
    userCode: true,
    summary: 'as madvise; NMIs read user memory on the others at seeded points (condition 2)',
  },
  multi: {
    ...OWN,
    everyCpuInitiates: true,
    userCode: true,
    summary:
      'every CPU zaps its own range and touches the shared set: several initiators contending',
  },
  tlb_flush1: willItScale(
    {
      file: 'tests/tlb_flush1.c',
      description: 'TLB flush of separated file private mapping',
      mappingBytes: FILE_BYTES,
    },
    2,
    "will-it-scale's tlb_flush1 (threads): write, madvise, read a page of a 128 MB private file mapping",
  ),
  tlb_flush2: willItScale(
    {
      file: 'tests/tlb_flush2.c',
      description: 'TLB flush of anonymous memory private mapping',
      mappingBytes: 1024 * 1024,
    },
    2,
    "will-it-scale's tlb_flush2 (threads): write, madvise, read a page of a 1 MB anonymous mapping",
  ),
  tlb_flush3: willItScale(
    {
      file: 'tests/tlb_flush3.c',
      description: 'TLB flush of separated file shared mapping',
      mappingBytes: FILE_BYTES,
    },
    1 + 1 / 16,
    "will-it-scale's tlb_flush3 (threads): write, madvise, read a page of a 128 MB shared file mapping",
  ),
});

/** A workload's row, or null for a name the table lacks (the host kernel's, another version's). */
export function workloadTraitsOf(workload: string): WorkloadTraits | null {
  return Object.hasOwn(WORKLOAD_TRAITS, workload) ? WORKLOAD_TRAITS[workload as Workload] : null;
}

/** Whether every CPU runs the loop; false off the table (the host's kernel: CPU 0 alone flushes). */
export function everyCpuInitiates(workload: string): boolean {
  return workloadTraitsOf(workload)?.everyCpuInitiates ?? false;
}

/** How many CPUs run the loop and flush: all of them, or CPU 0. */
export function initiatorsOf(workload: string, cpus: number): number {
  return everyCpuInitiates(workload) ? cpus : 1;
}

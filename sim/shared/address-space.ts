/**
 * The simulated mm's address space for one case: each initiator's zapped range, then the shared
 * pages every user thread touches, and the last-level page tables they sit in.
 *
 *   vpn 0 … pages−1                  initiator 0's range (CPU 0; in `multi` CPU i has range i)
 *   … initiators × pages − 1
 *   zapTotal … zapTotal + shared − 1  the shared pages
 *
 * Each initiator's range has a last-level table of its own (the table munmap frees with the
 * range), and the shared pages sit in one more table that is never freed. So table i is
 * initiator i's, and table `initiators` is the shared one.
 */
export class AddressSpace {
  readonly pages: number;
  readonly initiators: number;
  /** Pages zapped by all initiators together; the shared pages start here. */
  readonly zapTotal: number;
  readonly sharedN: number;
  /** Last-level tables: one per initiator's range, one for the shared pages. */
  readonly tables: number;

  constructor(pages: number, initiators: number, sharedPages: number) {
    this.pages = pages;
    this.initiators = initiators;
    this.zapTotal = initiators * pages;
    this.sharedN = sharedPages;
    this.tables = initiators + 1;
  }

  /** The first page of the range initiator `cpu` zaps (every CPU initiates only in `multi`). */
  zapStartOf(cpu: number): number {
    return this.initiators === 1 ? 0 : cpu * this.pages;
  }

  /** The table initiator `cpu`'s range sits in. */
  tableOfInitiator(cpu: number): number {
    return this.initiators === 1 ? 0 : cpu;
  }

  tableOf(vpn: number): number {
    return vpn < this.zapTotal ? Math.floor(vpn / this.pages) : this.initiators;
  }

  /** The most tables a machine of `cpus` CPUs can need (every CPU an initiator). */
  static maxTables(cpus: number): number {
    return cpus + 1;
  }
}

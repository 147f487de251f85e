/**
 * The initiator's range of the mm, as madvise(DONTNEED) treats it around the flush: zapped
 * before (its PTEs cleared, its last-level table unlinked when tables are freed), written back
 * and retired once the flush returned, then refaulted into fresh frames — where a write made
 * through a dead translation after the writeback shows up as a lost write.
 */

import {
  FRAME_POOL,
  kFrameLastGen,
  kFrameLastWriter,
  kFrameWrites,
  PTE_GEN_SHIFT,
  PTE_PRESENT,
  PTE_SLOT_MASK,
  PTE_SLOT_SHIFT,
} from '../shared/layout.js';
import type { CpuContext } from './cpu-context.js';
import type { CpuMemory, UserMemory } from './memory.js';
import type { Oracle } from './oracle.js';
import { WHERE_REFAULT } from './where.js';

export class ZapRange {
  /** The first page of this initiator's range, and the last-level table holding it. */
  zapStart = 0;
  private zapTable = 0;
  /** Per page of the range: the generation the zap gave its PTE, and the frame it had. */
  private zapGen = new Int32Array(0);
  private oldSlot = new Int32Array(0);
  /** Per page and frame: the write count at its writeback (−1: none pending), and its generation. */
  private snapshots = new Int32Array(0);
  private snapshotGen = new Int32Array(0);
  private readonly ctx: CpuContext;
  private readonly i32: Int32Array;
  private readonly pt: number;
  private readonly pmds: number;
  private readonly fgen: number;
  private readonly memory: UserMemory & Pick<CpuMemory, 'frameAt'>;
  private readonly oracle: Pick<Oracle, 'lostWrite'>;
  // Per case, from the context.
  private pages = 0;
  private freedTables = false;

  constructor(
    ctx: CpuContext,
    memory: UserMemory & Pick<CpuMemory, 'frameAt'>,
    oracle: Pick<Oracle, 'lostWrite'>,
  ) {
    this.ctx = ctx;
    this.i32 = ctx.i32;
    this.pt = ctx.pt;
    this.pmds = ctx.pmds;
    this.fgen = ctx.fgen;
    this.memory = memory;
    this.oracle = oracle;
  }

  setupCase(): void {
    const { space, opts, id } = this.ctx;
    this.pages = opts.pages;
    this.freedTables = opts.freedTables;
    this.zapStart = space.zapStartOf(id);
    this.zapTable = space.tableOfInitiator(id);
    this.zapGen = new Int32Array(opts.pages);
    this.oldSlot = new Int32Array(opts.pages);
    this.snapshots = new Int32Array(opts.pages * FRAME_POOL).fill(-1);
    this.snapshotGen = new Int32Array(opts.pages * FRAME_POOL);
  }

  /**
   * Clears the PTEs of this initiator's range (not present, generation + 1). With freed tables
   * it also unlinks the range's last-level table — the upper-level entry now links a new table —
   * before the flush, as free_pgtables() does; the old one is freed once the flush returned.
   */
  zap(): void {
    const i32 = this.i32;
    // Pairs with the walkers' load of the upper-level entry and the oracle's at acknowledgement.
    if (this.freedTables) Atomics.add(i32, this.pmds + this.zapTable, 1);
    for (let i = 0, n = this.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const pte = i32[this.pt + vpn];
      const slot = (pte >> PTE_SLOT_SHIFT) & PTE_SLOT_MASK;
      const gen = (pte >>> PTE_GEN_SHIFT) + 1;
      this.oldSlot[i] = slot;
      this.zapGen[i] = gen;
      // Pairs with the walkers' Atomics.load of the PTE.
      Atomics.store(i32, this.pt + vpn, (gen << PTE_GEN_SHIFT) | (slot << PTE_SLOT_SHIFT));
    }
  }

  /**
   * The flush has returned. Write back the old frames (snapshot their write counts: any later
   * write through the old translation is lost), then tell the oracle that translations older
   * than the zap are dead.
   */
  retire(): void {
    const i32 = this.i32;
    for (let i = 0, n = this.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const slot = this.oldSlot[i];
      const f = this.memory.frameAt(vpn, slot);
      // Pairs with the writers' Atomics.add: every write made before the flush returned counts.
      this.snapshots[i * FRAME_POOL + slot] = Atomics.load(i32, f + kFrameWrites);
      this.snapshotGen[i * FRAME_POOL + slot] = this.zapGen[i];
      // Publishes "the flush for generation zapGen has returned"; pairs with access()'s load.
      Atomics.store(i32, this.fgen + vpn, this.zapGen[i]);
    }
    if (this.freedTables) {
      // tlb_remove_table()'s free, now that no CPU may cache the old table: every generation
      // below the one linked in is freed and its page reused. Pairs with the oracle's walk().
      const t = this.zapTable;
      Atomics.store(i32, this.ctx.layout.tablesFreed + t, Atomics.load(i32, this.pmds + t));
    }
  }

  /** Maps each page to the next frame of its pool and touches it (a write fault). */
  refault(): void {
    const i32 = this.i32;
    for (let i = 0, n = this.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const slot = (this.oldSlot[i] + 1) & PTE_SLOT_MASK;
      this.checkLostWrites(i, slot);
      const pte = ((this.zapGen[i] + 1) << PTE_GEN_SHIFT) | (slot << PTE_SLOT_SHIFT) | PTE_PRESENT;
      // Pairs with the walkers' Atomics.load of the PTE.
      Atomics.store(i32, this.pt + vpn, pte);
      this.memory.access(vpn, true, WHERE_REFAULT);
    }
  }

  /** A frame about to be reused: any write since its writeback was made through a dead entry. */
  private checkLostWrites(i: number, slot: number): void {
    const k = i * FRAME_POOL + slot;
    const snap = this.snapshots[k];
    if (snap < 0) return;
    this.snapshots[k] = -1;
    const f = this.memory.frameAt(this.zapStart + i, slot);
    // Pairs with access()'s Atomics.add on the frame by any writer.
    const writes = Atomics.load(this.i32, f + kFrameWrites);
    if (writes === snap) return;
    // Pairs with the writer's plain stores, ordered before its Atomics.add we just read.
    const writer = Atomics.load(this.i32, f + kFrameLastWriter) - 1;
    // The same: the writer's plain store, ordered before its Atomics.add.
    const entryGen = Atomics.load(this.i32, f + kFrameLastGen);
    this.oracle.lostWrite(writes - snap, writer, this.zapStart + i, entryGen, this.snapshotGen[k]);
  }

  /** At the end of the case: every frame still awaiting its check. */
  sweepLostWrites(): void {
    for (let i = 0; i < this.pages; i++) {
      for (let slot = 0; slot < FRAME_POOL; slot++) this.checkLostWrites(i, slot);
    }
  }
}

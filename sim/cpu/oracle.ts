/**
 * The oracle on one CPU: it checks every access and every page walk this CPU makes against two
 * rules, and counts what breaks them.
 *
 * Observed rule — what really went wrong. An access that begins after the flush for a PTE change
 * returned and uses a translation from before the change is a *stale use*; a write that lands in
 * the old frame after the flush returned (and the frame was written back) is a *lost write*; a
 * walk through a cached upper-level entry of a table the initiator has freed is a *freed-table
 * walk*. These need the race to happen: the initiator must have returned in time.
 *
 * Ack-window rule — what the protocol allowed, on every interleaving. The initiator may return
 * the moment it sees the last acknowledgement, so once this CPU has acknowledged a flush request,
 * everything that request killed is dead here, whether or not the initiator has returned yet:
 *   - an access that uses a translation the request killed is a violation (a write too);
 *   - running user code, a cross-call or an NMI that reads user memory while such a translation
 *     is still in the TLB is a violation (hardware may use a live entry at any moment,
 *     speculatively included);
 *   - a walk — real, or speculative while the entry is merely cached — through the cached
 *     upper-level entry of a table the request freed is a freed-table walk.
 * The rule's premise is the initiator's side of it: a flush returns only once the initiator has
 * seen every target acknowledge. A return that no acknowledgement is ordered before — the
 * initiator never read the target's unlock, so sending the IPI stood in for it — is a violation
 * on every interleaving, however the race went this time (an unordered return, counted with the
 * ack-window violations on the initiator).
 *
 * "Killed" is exact: at the acknowledgement the oracle reads the PTE of every page the request
 * changed (the initiator is waiting for this very acknowledgement, so the PTE is the one the
 * request published); translations of an older generation are dead from then on. The oracle
 * knows which pages a request changed because it knows the workload (the sender's zap range),
 * not from the flush info, which a protocol could get wrong.
 */
import type { AddressSpace } from '../shared/address-space.js';
import { kViolationSeq, type Layout, MM_ID, PTE_GEN_SHIFT } from '../shared/layout.js';
import type { OracleCounts, Violation, ViolationKind } from '../shared/messages.js';
import type { Tlb } from './tlb.js';

export class Oracle {
  private readonly i32: Int32Array;
  private readonly cpu: number;
  private readonly pt: number;
  private readonly pmds: number;
  private readonly tablesFreed: number;
  private readonly tlb: Tlb;
  private space!: AddressSpace;

  /**
   * Per zapped page: the PTE generation the last acknowledged request published, and that
   * request's tlb_gen; translations older than the floor are dead on this CPU.
   */
  private ackFloor = new Int32Array(0);
  private ackTlbGen = new Int32Array(0);
  /** Per table: the table generation the last acknowledged freeing request linked in. */
  private ackTableFloor = new Int32Array(0);

  checkedAccesses = 0;
  staleUses = 0;
  lostWrites = 0;
  ackWindowViolations = 0;
  freedTableWalks = 0;
  firstViolation: Violation | null = null;
  /** The first violation of each kind this CPU saw (README examples, the CLI's report). */
  firstByKind: Partial<Record<ViolationKind, Violation>> = {};
  /** Set by the CPU while a flush it acknowledged is deferred: told in violation reports. */
  flushDeferred = false;

  constructor(i32: Int32Array, layout: Layout, cpu: number, tlb: Tlb) {
    this.i32 = i32;
    this.cpu = cpu;
    this.pt = layout.pageTable;
    this.pmds = layout.pmds;
    this.tablesFreed = layout.tablesFreed;
    this.tlb = tlb;
  }

  setupCase(space: AddressSpace): void {
    this.space = space;
    this.ackFloor = new Int32Array(space.zapTotal);
    this.ackTlbGen = new Int32Array(space.zapTotal);
    this.ackTableFloor = new Int32Array(space.tables);
    this.checkedAccesses = 0;
    this.staleUses = 0;
    this.lostWrites = 0;
    this.ackWindowViolations = 0;
    this.freedTableWalks = 0;
    this.firstViolation = null;
    this.firstByKind = {};
  }

  counts(): OracleCounts {
    return {
      checkedAccesses: this.checkedAccesses,
      staleUses: this.staleUses,
      lostWrites: this.lostWrites,
      ackWindowViolations: this.ackWindowViolations,
      freedTableWalks: this.freedTableWalks,
      firstViolation: this.firstViolation,
      firstByKind: this.firstByKind,
    };
  }

  /**
   * This CPU is about to acknowledge `src`'s flush request for `tlbGen`: from now on what it
   * killed is dead here. Called before the unlock, while the sender still waits for it.
   */
  acknowledge(src: number, tlbGen: number, freedTables: boolean): void {
    const i32 = this.i32;
    const space = this.space;
    const start = space.zapStartOf(src);
    for (let vpn = start, end = start + space.pages; vpn < end; vpn++) {
      // Pairs with the sender's zap store, made before it bumped tlb_gen and queued the csd.
      const gen = Atomics.load(i32, this.pt + vpn) >>> PTE_GEN_SHIFT;
      if (gen > this.ackFloor[vpn]) {
        this.ackFloor[vpn] = gen;
        this.ackTlbGen[vpn] = tlbGen;
      }
    }
    if (freedTables) {
      const t = space.tableOfInitiator(src);
      // Pairs with the sender's unlink (its Atomics.add of the table generation) in the zap.
      const gen = Atomics.load(i32, this.pmds + t);
      if (gen > this.ackTableFloor[t]) this.ackTableFloor[t] = gen;
    }
  }

  /**
   * One access through a translation of generation `gen`: `flushedGen` is the generation whose
   * flush had returned (as published by the initiator) before the access began.
   */
  access(vpn: number, gen: number, flushedGen: number, write: boolean, where: string): void {
    this.checkedAccesses++;
    if (gen < flushedGen) {
      this.staleUses++;
      if (this.firstByKind['stale-use'] === undefined)
        this.record(
          'stale-use',
          vpn,
          gen,
          flushedGen,
          -1,
          this.flushDeferred
            ? `${where}, with its flush deferred after the acknowledgement`
            : where,
        );
    }
    if (vpn < this.space.zapTotal && gen < this.ackFloor[vpn]) {
      this.ackWindowViolations++;
      const kind = write ? 'ack-window-write' : 'ack-window-use';
      if (this.firstByKind[kind] !== undefined) return;
      this.record(
        kind,
        vpn,
        gen,
        this.ackFloor[vpn],
        this.ackTlbGen[vpn],
        `${where}: it ${write ? 'wrote through' : 'used'} a translation that a flush it had acknowledged killed`,
      );
    }
  }

  /**
   * This CPU is about to run code that may read user memory (`what`, e.g. "user access on
   * CPU 2") with `src`'s acknowledged request for `tlbGen` not performed yet. Unless a flush has
   * since caught it up past that request (its local tlb_gen), the TLB may hold a translation the
   * request killed — hardware may have cached one at any moment before the zap, speculatively
   * included — so the code may use it: a violation, whatever this interleaving left in the
   * simulated TLB. The report names an entry the TLB really holds when there is one.
   */
  exposure(src: number, tlbGen: number, localTlbGen: number, what: string): void {
    if (localTlbGen >= tlbGen) return;
    this.ackWindowViolations++;
    if (this.firstByKind['ack-window-exposed'] !== undefined) return;
    const space = this.space;
    const start = space.zapStartOf(src);
    let vpn = start;
    let gen = this.ackFloor[start] - 1;
    let held = false;
    for (let v = start, end = start + space.pages; v < end && !held; v++) {
      const e = this.tlb.peek(MM_ID, v);
      if (e < 0) continue;
      const g = this.tlb.pteOf(e) >>> PTE_GEN_SHIFT;
      if (g < this.ackFloor[v]) {
        vpn = v;
        gen = g;
        held = true;
      }
    }
    this.record(
      'ack-window-exposed',
      vpn,
      gen,
      this.ackFloor[vpn],
      tlbGen,
      `${what} ran before the CPU performed a flush it had acknowledged (its tlb_gen ${localTlbGen} < ${tlbGen}), so ${
        held ? 'its TLB still held' : 'its TLB may still hold'
      } a translation that flush killed`,
    );
  }

  /**
   * The initiator's flush for `tlbGen` returned without reading `target`'s acknowledgement:
   * nothing orders the reuse of the pages after the target took the request. `vpn` is the first
   * page the request changed, whose new PTE generation is `gen`.
   */
  unorderedReturn(target: number, vpn: number, gen: number, tlbGen: number): void {
    this.ackWindowViolations++;
    if (this.firstByKind['ack-window-unordered-return'] !== undefined) return;
    this.record(
      'ack-window-unordered-return',
      vpn,
      gen - 1,
      gen,
      tlbGen,
      `CPU ${this.cpu}'s flush (tlb_gen ${tlbGen}) returned without reading CPU ${target}'s acknowledgement: nothing orders the pages' reuse after CPU ${target} took the request — sending the IPI stood in for it, and CPU ${target}'s TLB may still hold the translation`,
      target,
    );
  }

  /**
   * A walk through the cached upper-level entry of table `t`, naming table generation `gen`.
   * `where` says what walked (a TLB miss, or a speculative walk).
   */
  walk(t: number, gen: number, where: string): void {
    // Pairs with the initiator's Atomics.store in retire(), once its flush returned.
    const freed = Atomics.load(this.i32, this.tablesFreed + t);
    const acked = gen < this.ackTableFloor[t];
    if (gen >= freed && !acked) return;
    this.freedTableWalks++;
    if (this.firstByKind['freed-table-walk'] !== undefined) return;
    const vpn = t < this.space.initiators ? this.space.zapStartOf(t) : this.space.zapTotal;
    this.record(
      'freed-table-walk',
      vpn,
      gen,
      acked ? this.ackTableFloor[t] : freed,
      -1,
      `${where} walked through a cached upper-level entry of page table ${t} (generation ${gen}), ${
        gen < freed ? 'which the initiator had freed' : 'which a flush it had acknowledged frees'
      }`,
    );
  }

  /** A frame about to be reused had `lost` writes after its writeback by `writer` at `gen`. */
  lostWrite(lost: number, writer: number, vpn: number, entryGen: number, flushedGen: number): void {
    this.lostWrites += lost;
    if (this.firstByKind['lost-write'] !== undefined) return;
    this.record(
      'lost-write',
      vpn,
      entryGen,
      flushedGen,
      -1,
      `CPU ${writer} wrote the page through its old translation after the flush returned and the frame was written back`,
      writer,
    );
  }

  private record(
    kind: ViolationKind,
    vpn: number,
    entryGen: number,
    flushedGen: number,
    tlbGen: number,
    step: string,
    cpu = this.cpu,
  ): void {
    const v: Violation = {
      kind,
      seq: this.nextSeq(),
      cpu,
      vpn,
      entryGen,
      flushedGen,
      ...(tlbGen >= 0 ? { tlbGen } : {}),
      step,
    };
    this.firstByKind[kind] = v;
    if (this.firstViolation === null) this.firstViolation = v;
  }

  private nextSeq(): number {
    // One order of first violations across CPUs, so the run can tell the earliest.
    return Atomics.add(this.i32, kViolationSeq, 1);
  }
}

/**
 * The initiator: the workload's madvise(DONTNEED) loop — zap, flush_tlb_mm_range() by the
 * protocol under test, write back and refault — warmed up, then measured by tinybench (or a
 * fixed count) with the modeled cycles of each flush computed outside the timed call.
 */

import { Bench } from 'tinybench';
import {
  CSD_CALL_AFTER,
  CSD_CALL_BEFORE,
  CSD_FLAG_LOCK,
  CSD_FLAG_RECORD,
  CSD_FLUSH,
  CSD_TYPE_SYNC,
  FLUSH_NONE,
  FRAME_POOL,
  infoLine,
  kCpuAccessSeq,
  kCsdFlushKind,
  kFrameLastGen,
  kFrameLastWriter,
  kFrameWrites,
  kInfoEnd,
  kInfoNewTlbGen,
  kInfoStart,
  kMmTlbGen,
  MM_ID,
  PTE_GEN_SHIFT,
  PTE_PRESENT,
  PTE_SLOT_MASK,
  PTE_SLOT_SHIFT,
  privateLine,
  TLB_FLUSH_ALL,
} from '../shared/layout.js';
import type { TraceEvent } from '../shared/messages.js';
import {
  C_BROADCAST_INVALIDATIONS,
  C_MODELED_LINE_TRANSFERS,
  C_TLBSYNC_WAITS,
} from '../shared/messages.js';
import { WHERE_REFAULT } from './cpu-state.js';
import { rangeEnd } from './tlb-gen.js';
import { CpuUserWork, USER_IDLE_SLICE_MS } from './user-work.js';
import { W_ACK, W_TLBSYNC, W_USER, type Waits } from './wait-point.js';

/** tinybench's own warm-up, after ours has had V8 optimize the flush path. */
const TINYBENCH_WARMUP_ITERATIONS = 16;
const TINYBENCH_WARMUP_MS = 10;
/** Flushes every warm-up makes, however short its time budget. */
const MIN_WARMUP_FLUSHES = 8;

export abstract class CpuInitiator extends CpuUserWork {
  protected *runInitiator(
    samplesNs: Float64Array,
    modeled: Float64Array,
    iterations: Float64Array,
    trace: TraceEvent[] | null,
  ): Waits<Float64Array> {
    const o = this.opts;
    // Warm-up until V8 has optimized the flush path (a few thousand flushes here) or the time
    // budget is spent, whichever comes first: parked CPUs make each flush slow at high counts.
    // The cooperative engine counts its warm-up and never times it, so that a schedule replays.
    const counted = this.host.cooperative;
    const warmEnd = performance.now() + o.warmupMs;
    let k = 0;
    for (
      ;
      k < o.warmupFlushes && (counted || k < MIN_WARMUP_FLUSHES || performance.now() < warmEnd);
      k++
    ) {
      yield* this.iteration(null, null, null, -1, null);
    }
    this.warmupRun = k;
    // A traced flush comes after the warm-up and stays out of the samples: recording allocates.
    if (trace !== null) yield* this.iteration(null, null, null, -1, trace);
    // Modeled time starts at the first measured flush, so the model sees the same environment
    // (interrupt-disabled windows) however long the warm-up ran.
    this.modeledClock = 0;
    if (o.timeMs > 0) return this.measureWithTinybench(modeled, iterations);
    for (let j = 0; j < o.flushes; j++) {
      yield* this.iteration(samplesNs, modeled, iterations, j, null);
    }
    return samplesNs;
  }

  /**
   * tinybench times the flush call alone, here in the initiating CPU's worker: the zap runs in
   * beforeEach, the writeback, refault and model in afterEach. It runs at least `flushes`
   * iterations and at least `timeMs` of flush time; the modeled cycles of the first `flushes`
   * measured flushes are kept, so they stay the same however many the time budget adds. The
   * threads engine only: the timed call must finish on its own (host.runBlocking).
   */
  protected measureWithTinybench(modeled: Float64Array, iterations: Float64Array): Float64Array {
    const o = this.opts;
    let measured = 0;
    let warming = true;
    const bench = new Bench({
      time: o.timeMs,
      iterations: o.flushes,
      warmup: true,
      warmupIterations: TINYBENCH_WARMUP_ITERATIONS,
      warmupTime: TINYBENCH_WARMUP_MS,
      retainSamples: true,
      throws: true,
      now: () => performance.now(),
    });
    const host = this.host;
    bench.add('flush', () => host.runBlocking(this.flushOnce()), {
      beforeAll: (mode) => {
        warming = mode === 'warmup';
      },
      beforeEach: () => host.runBlocking(this.beforeFlush()),
      afterEach: () => {
        const j = !warming && measured < o.flushes ? measured++ : -1;
        host.runBlocking(
          this.afterFlush(j >= 0 ? modeled : null, j >= 0 ? iterations : null, j, null),
        );
        this.flushesRun++;
      },
    });
    const [task] = bench.runSync();
    const result = task.result;
    if (result.state !== 'completed') {
      throw result.state === 'errored'
        ? result.error
        : new Error(`tinybench ended in state ${result.state}`);
    }
    this.tinybenchRme = result.latency.rme;
    return Float64Array.from(result.latency.samples ?? [], (ms) => ms * 1e6);
  }

  /** One zap → flush → refault, measured into slot j of the arrays when they are given. */
  protected *iteration(
    samplesNs: Float64Array | null,
    modeled: Float64Array | null,
    iterations: Float64Array | null,
    j: number,
    trace: TraceEvent[] | null,
  ): Waits {
    // A hung initiator (workload multi) starts nothing more.
    while (this.hung) {
      this.hangWait();
      yield;
    }
    this.flushesRun++;
    yield* this.beforeFlush();
    this.recording = trace !== null;
    const t0 = performance.now();
    yield* this.flushOnce();
    const t1 = performance.now();
    if (this.recording) this.note('flush-returned', -1);
    this.recording = false;
    if (samplesNs !== null) samplesNs[j] = (t1 - t0) * 1e6;
    yield* this.afterFlush(modeled, iterations, j, trace);
  }

  /** madvise(DONTNEED)'s zap, and the cross-call queued ahead of the flush (crosscall). */
  protected *beforeFlush(): Waits {
    if (this.crosscall) yield* this.sendCalls(CSD_CALL_BEFORE);
    this.zap();
    // inc_mm_tlb_gen(): after the PTE changes, before anyone is asked to flush. Pairs with the
    // targets' load in flushTlbFunc and with switchMmIrqsOff on a CPU leaving lazy mode.
    this.newTlbGen = Atomics.add(this.i32, kMmTlbGen, 1) + 1;
  }

  /** The timed part: flush_tlb_mm_range() of the zapped range. */
  protected *flushOnce(): Waits {
    this.localKind = yield* this.flushTlbMmRange(
      this.zapStart,
      this.zapStart + this.opts.pages,
      this.newTlbGen,
    );
  }

  /** Writeback, the cross-call behind the flush, the refault; then the model, untimed. */
  protected *afterFlush(
    modeled: Float64Array | null,
    iterations: Float64Array | null,
    j: number,
    trace: TraceEvent[] | null,
  ): Waits {
    const o = this.opts;
    const i32 = this.i32;
    const model = this.model;
    this.retire();
    if (this.crosscall) yield* this.sendCalls(CSD_CALL_AFTER);
    this.refault();
    // What each target's flush did is in its csd (SYNC csds only: an ASYNC one is the
    // sender's again once unlocked).
    const waitForFlush = this.flushBeforeAck;
    if (waitForFlush) {
      for (let i = 0; i < model.nTargets; i++) {
        model.remoteKind[i] = i32[this.csdAt(model.targets[i], CSD_FLUSH) + kCsdFlushKind];
      }
    }
    const pre = model.beginIteration();
    const fullRange = o.pages > o.singlePageFlushCeiling;
    const flushCycles = model.flush(
      this.localKind,
      fullRange,
      waitForFlush,
      this.modeledClock + pre,
      trace,
    );
    const iterationCycles = model.endIteration(flushCycles);
    this.modeledClock += iterationCycles;
    if (modeled !== null && iterations !== null) {
      modeled[j] = flushCycles;
      iterations[j] = iterationCycles;
      this.callCycles += pre + flushCycles + model.postFlushCycles;
      this.counters[C_MODELED_LINE_TRANSFERS] += model.lineTransfers;
    }
    if (this.userWork && o.workload === 'multi') {
      this.userBurst(o.userBurst);
      // Back in user code between two system calls: another CPU may run here (and IPI us while
      // the burst's translations are cached).
      this.wait.runnable(W_USER);
      yield;
    }
    if (Atomics.load(i32, this.doorbellIdx) !== this.seenDoorbell) this.handleIpi();
  }

  /**
   * Clears the PTEs of this initiator's range (not present, generation + 1). With freed tables
   * it also unlinks the range's last-level table — the upper-level entry now links a new table —
   * before the flush, as free_pgtables() does; the old one is freed once the flush returned.
   */
  protected zap(): void {
    const i32 = this.i32;
    // Pairs with the walkers' load of the upper-level entry and the oracle's at acknowledgement.
    if (this.opts.freedTables) Atomics.add(i32, this.pmds + this.zapTable, 1);
    for (let i = 0, n = this.opts.pages; i < n; i++) {
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
  protected retire(): void {
    const i32 = this.i32;
    for (let i = 0, n = this.opts.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const slot = this.oldSlot[i];
      const f = this.frameAt(vpn, slot);
      // Pairs with the writers' Atomics.add: every write made before the flush returned counts.
      this.snapshots[i * FRAME_POOL + slot] = Atomics.load(i32, f + kFrameWrites);
      this.snapshotGen[i * FRAME_POOL + slot] = this.zapGen[i];
      // Publishes "the flush for generation zapGen has returned"; pairs with access()'s load.
      Atomics.store(i32, this.fgen + vpn, this.zapGen[i]);
    }
    if (this.opts.freedTables) {
      // tlb_remove_table()'s free, now that no CPU may cache the old table: every generation
      // below the one linked in is freed and its page reused. Pairs with the oracle's walk().
      const t = this.zapTable;
      Atomics.store(i32, this.layout.tablesFreed + t, Atomics.load(i32, this.pmds + t));
    }
  }

  /** Maps each page to the next frame of its pool and touches it (a write fault). */
  protected refault(): void {
    const i32 = this.i32;
    for (let i = 0, n = this.opts.pages; i < n; i++) {
      const vpn = this.zapStart + i;
      const slot = (this.oldSlot[i] + 1) & PTE_SLOT_MASK;
      this.checkLostWrites(i, slot);
      const pte = ((this.zapGen[i] + 1) << PTE_GEN_SHIFT) | (slot << PTE_SLOT_SHIFT) | PTE_PRESENT;
      // Pairs with the walkers' Atomics.load of the PTE.
      Atomics.store(i32, this.pt + vpn, pte);
      this.access(vpn, true, WHERE_REFAULT);
    }
  }

  /** A frame about to be reused: any write since its writeback was made through a dead entry. */
  protected checkLostWrites(i: number, slot: number): void {
    const k = i * FRAME_POOL + slot;
    const snap = this.snapshots[k];
    if (snap < 0) return;
    this.snapshots[k] = -1;
    const f = this.frameAt(this.zapStart + i, slot);
    // Pairs with access()'s Atomics.add on the frame by any writer.
    const writes = Atomics.load(this.i32, f + kFrameWrites);
    if (writes === snap) return;
    // Pairs with the writer's plain stores, ordered before its Atomics.add we just read.
    const writer = Atomics.load(this.i32, f + kFrameLastWriter) - 1;
    const entryGen = Atomics.load(this.i32, f + kFrameLastGen);
    this.oracle.lostWrite(writes - snap, writer, this.zapStart + i, entryGen, this.snapshotGen[k]);
  }

  protected sweepLostWrites(): void {
    for (let i = 0; i < this.opts.pages; i++) {
      for (let slot = 0; slot < FRAME_POOL; slot++) this.checkLostWrites(i, slot);
    }
  }

  /**
   * flush_tlb_mm_range(): flushes [start, end) of the mm on every CPU that may cache it, by the
   * protocol under test. Returns the kind of the local flush. Fills model.targets.
   */
  protected *flushTlbMmRange(start: number, end: number, newTlbGen: number): Waits<number> {
    const i32 = this.i32;
    const o = this.opts;
    end = rangeEnd(start, end, o.singlePageFlushCeiling);
    if (end === TLB_FLUSH_ALL) start = 0;
    if (this.recording) this.note('flush-start', -1);
    if (this.broadcast) {
      this.model.nTargets = 0;
      yield* this.broadcastFlush(start, end);
      return FLUSH_NONE;
    }
    const targets = this.model.targets;
    const n = this.collectTargets(targets, this.flushLazy);
    this.model.nTargets = n;
    const byRef = this.byRef;
    if (byRef) {
      // flush_tlb_info lives on the initiator's stack; csds point at it.
      const info = infoLine(this.layout, this.id);
      i32[info + kInfoStart] = start;
      i32[info + kInfoEnd] = end;
      i32[info + kInfoNewTlbGen] = newTlbGen;
    }
    let localKind = FLUSH_NONE;
    if (this.localFlushFirst) {
      localKind = this.flushTlbFunc(start, end, newTlbGen);
      if (this.recording) this.note('local-flush-done', -1);
    }
    let csdFlags = this.flushBeforeAck ? CSD_FLAG_LOCK | CSD_TYPE_SYNC : CSD_FLAG_LOCK;
    if (this.recording) csdFlags |= CSD_FLAG_RECORD;
    yield* this.queueFlushes(targets, n, byRef, csdFlags, start, end, newTlbGen);
    if (!this.localFlushFirst) {
      localKind = this.flushTlbFunc(start, end, newTlbGen);
      if (this.recording) this.note('local-flush-done', -1);
    }
    for (let i = 0; i < n; i++) {
      const csd = this.csdAt(targets[i], CSD_FLUSH);
      while (!this.csdUnlocked(csd, targets[i], W_ACK)) yield;
      if (this.recording) this.note('ack-seen', targets[i]);
    }
    return localKind;
  }

  /**
   * INVLPGB + TLBSYNC: the initiator invalidates the entries in every TLB itself, then waits
   * until no CPU still has an access in flight that may have used one of them.
   */
  protected *broadcastFlush(start: number, end: number): Waits {
    const i32 = this.i32;
    const full = end === TLB_FLUSH_ALL;
    const freedTables = this.opts.freedTables;
    for (let c = 0; c < this.n; c++) {
      const tlb = this.tlbs[c];
      if (full) tlb.invalidateRemoteMm(MM_ID);
      else for (let vpn = start; vpn < end; vpn++) tlb.invalidateRemote(MM_ID, vpn);
      // INVLPGB with page-walk-cache invalidation, when tables were freed.
      if (freedTables) this.pscs[c].invalidateRemote(this.space.tables);
    }
    this.counters[C_BROADCAST_INVALIDATIONS] += full ? 1 : end - start;
    if (this.recording) this.note('invlpgb-done', -1);
    for (let c = 0; c < this.n; c++) {
      if (c === this.id) continue;
      const idx = privateLine(this.layout, c) + kCpuAccessSeq;
      // Pairs with access()'s two Atomics.add: odd means an access is in flight.
      const seq = Atomics.load(i32, idx);
      if ((seq & 1) === 0) continue;
      this.counters[C_TLBSYNC_WAITS]++;
      let polls = 0;
      let deadline = 0;
      while (Atomics.load(i32, idx) === seq) {
        if (++polls < this.pollBudget) continue;
        polls = 0;
        deadline = this.checkDeadline(deadline, c, `an access in flight during TLBSYNC`);
        // Nothing notifies kCpuAccessSeq (an access would pay for it every time): a cooperative
        // engine looks at it after every step, and a parked thread sleeps a slice on the word
        // itself — parked CPUs outnumber the cores here, so the CPU in flight needs ours to
        // finish its access; the word is compared first, so this returns at once when it has.
        this.wait.until(W_TLBSYNC, c, idx, seq, -1, 0);
        this.wait.polled = true;
        if (!this.spin) this.wait.sleep(idx, seq, USER_IDLE_SLICE_MS, false);
        yield;
      }
    }
    if (this.recording) this.note('tlbsync-done', -1);
  }
}

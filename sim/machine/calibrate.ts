/**
 * `flushbench calibrate`: how close the simulated flush comes to the hardware floor of this
 * machine. In one process it measures a SharedArrayBuffer spin ping-pong between two workers and
 * a 2-CPU flush whose responder spins on its doorbell (workload idle-loaded, spin mode), and
 * reports both p50s. A ping-pong round trip is two line transfers; a by-reference sync flush makes
 * more, one after another (csd lock, queue push, queue slot, csd, info, tlb_gen, unlock, and the
 * sender's poll): the model counts them in the flush it traces. So the flush's floor on this
 * machine is transfers ÷ 2 ping-pongs, and the simulator's overhead is the sync flush's p50 over
 * that floor. The goal is ≤ 1.2; above 1.5 the simulator adds more than it models.
 */
import { Worker } from 'node:worker_threads';
import { type Summary, summarize } from '../../common/stats.js';
import { cpuCrashed, invalidRange, isFlushbenchError } from '../shared/errors.js';
import { BASELINE_PROTOCOL, HEADLINE_PROTOCOL } from '../shared/protocols.js';
import { Machine } from './machine.js';

/** The simulator's overhead over the transfers it makes: the goal, and where calibrate fails. */
export const OVERHEAD_GOAL = 1.2;
export const OVERHEAD_LIMIT = 1.5;

export interface CalibrateOptions {
  /** Round trips and flushes measured (each). */
  rounds?: number;
  profile?: string;
}

export interface Calibration {
  rounds: number;
  pingPongNs: Summary;
  syncFlushNs: Summary;
  asyncInlineFlushNs: Summary;
  /** syncFlushNs.p50 / pingPongNs.p50. */
  ratio: number;
  /** Serial cache-line transfers of one sync flush at 2 CPUs, as the model counts them. */
  syncLineTransfers: number;
  /**
   * The median over the blocks of sync p50 / (syncLineTransfers / 2 × ping-pong p50), each block
   * against its own ping-pong: the goal is ≤ 1.2.
   */
  overhead: number;
  blocks: CalibrationBlock[];
  /** asyncInlineFlushNs.p50 / syncFlushNs.p50; below 1 when the inline protocol saves time. */
  asyncInlineVsSync: number;
}

const PING_PONG_TIMEOUT_MS = 30_000;

/**
 * Ping-pong and flushes are measured in alternating blocks, and the overhead is the median of the
 * blocks' own ratios: a VM's two vCPUs sit near or far from each other by the host's choice, and
 * that choice can change during a run (a round trip measured 230 ns and 630 ns on this VM). Each
 * block compares a flush with a ping-pong measured where the vCPUs were at that moment.
 */
export const CALIBRATION_BLOCKS = 5;

export interface CalibrationBlock {
  pingPongP50: number;
  syncFlushP50: number;
  overhead: number;
}

export async function calibrate(opts: CalibrateOptions = {}): Promise<Calibration> {
  const rounds = opts.rounds ?? 20_000;
  if (!Number.isInteger(rounds) || rounds < 100 || rounds > 10_000_000) {
    throw invalidRange(`--rounds must be an integer from 100 to 10000000 (got ${rounds})`);
  }
  const perBlock = Math.ceil(rounds / CALIBRATION_BLOCKS);
  const machine = await Machine.start({ cpus: 2, waitMode: 'spin' });
  try {
    const common = { workload: 'idle-loaded' as const, flushes: perBlock, profile: opts.profile };
    const pingPong: Float64Array[] = [];
    const sync: Float64Array[] = [];
    const inline: Float64Array[] = [];
    const blocks: CalibrationBlock[] = [];
    let syncLineTransfers = 0;
    for (let b = 0; b < CALIBRATION_BLOCKS; b++) {
      const pp = await pingPongSamples(perBlock);
      const s = await machine.run({ ...common, protocol: BASELINE_PROTOCOL });
      const i = await machine.run({ ...common, protocol: HEADLINE_PROTOCOL });
      pingPong.push(pp);
      sync.push(s.samplesNs);
      inline.push(i.samplesNs);
      // Every measured flush makes the same transfers: the count is the model's, per flush.
      syncLineTransfers = s.counters.modeledLineTransfers / s.latencyNs.count;
      const pingPongP50 = summarize(pp).p50;
      blocks.push({
        pingPongP50,
        syncFlushP50: s.latencyNs.p50,
        overhead: s.latencyNs.p50 / ((syncLineTransfers / 2) * pingPongP50),
      });
    }
    const pingPongNs = summarize(concat(pingPong));
    const syncFlushNs = summarize(concat(sync));
    const asyncInlineFlushNs = summarize(concat(inline));
    const overheads = blocks.map((x) => x.overhead).sort((x, y) => x - y);
    return {
      rounds: perBlock * CALIBRATION_BLOCKS,
      pingPongNs,
      syncFlushNs,
      asyncInlineFlushNs,
      ratio: syncFlushNs.p50 / pingPongNs.p50,
      syncLineTransfers,
      overhead: overheads[Math.floor(CALIBRATION_BLOCKS / 2)],
      blocks,
      asyncInlineVsSync: asyncInlineFlushNs.p50 / syncFlushNs.p50,
    };
  } finally {
    await machine.close();
  }
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The p50 of a SAB spin ping-pong between two workers, ns: the floor of any cross-CPU exchange.
 * A round that waits longer than `timeoutMs` rejects, naming the side that waited.
 */
export async function pingPongP50(rounds: number, timeoutMs: number): Promise<number> {
  return summarize(await pingPongSamples(rounds, timeoutMs)).p50;
}

function pingPongSamples(rounds: number, timeoutMs = PING_PONG_TIMEOUT_MS): Promise<Float64Array> {
  const sab = new SharedArrayBuffer(64 * 4);
  const url = new URL('./pingpong-worker.js', import.meta.url);
  const spawn = (role: 'ping' | 'pong') =>
    new Worker(url, { workerData: { sab, role, rounds, timeoutMs } });
  const ping = spawn('ping');
  const pong = spawn('pong');
  // The ping side is CPU 0, the pong side CPU 1.
  const ended = (w: Worker, cpu: number) =>
    new Promise<Float64Array | null>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', (err) =>
        reject(
          isFlushbenchError(err)
            ? err
            : cpuCrashed(`calibration ping-pong: CPU ${cpu} crashed: ${err.message}`, cpu, err),
        ),
      );
      w.once('exit', (code) =>
        reject(
          cpuCrashed(`calibration ping-pong: CPU ${cpu}'s worker exited with code ${code}`, cpu),
        ),
      );
    });
  return Promise.all([ended(ping, 0), ended(pong, 1)])
    .then(([samples]) => samples!)
    .finally(() => Promise.all([ping.terminate(), pong.terminate()]));
}

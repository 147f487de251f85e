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
import { invalidRange } from '../shared/errors.js';
import { Machine } from './machine.js';
import { type Summary, summarize } from './stats.js';

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
  /** syncFlushNs.p50 / (syncLineTransfers / 2 × pingPongNs.p50): the goal is ≤ 1.2. */
  overhead: number;
  /** asyncInlineFlushNs.p50 / syncFlushNs.p50; below 1 when the inline protocol saves time. */
  asyncInlineVsSync: number;
}

const PING_PONG_TIMEOUT_MS = 30_000;

export async function calibrate(opts: CalibrateOptions = {}): Promise<Calibration> {
  const rounds = opts.rounds ?? 20_000;
  if (!Number.isInteger(rounds) || rounds < 100 || rounds > 10_000_000) {
    throw invalidRange(`--rounds must be an integer from 100 to 10000000 (got ${rounds})`);
  }
  const pingPong = await pingPongSamples(rounds);
  const machine = await Machine.start({ cpus: 2, waitMode: 'spin' });
  try {
    const common = {
      workload: 'idle-loaded' as const,
      flushes: rounds,
      profile: opts.profile,
    };
    const sync = await machine.run({ ...common, protocol: 'sync' });
    const inline = await machine.run({ ...common, protocol: 'async-inline' });
    const pingPongNs = summarize(pingPong);
    // Every measured flush makes the same transfers: the count is the model's, per flush.
    const syncLineTransfers = sync.counters.modeledLineTransfers / sync.latencyNs.count;
    return {
      rounds,
      pingPongNs,
      syncFlushNs: sync.latencyNs,
      asyncInlineFlushNs: inline.latencyNs,
      ratio: sync.latencyNs.p50 / pingPongNs.p50,
      syncLineTransfers,
      overhead: sync.latencyNs.p50 / ((syncLineTransfers / 2) * pingPongNs.p50),
      asyncInlineVsSync: inline.latencyNs.p50 / sync.latencyNs.p50,
    };
  } finally {
    await machine.close();
  }
}

function pingPongSamples(rounds: number): Promise<Float64Array> {
  const sab = new SharedArrayBuffer(64 * 4);
  const url = new URL('./pingpong-worker.js', import.meta.url);
  const spawn = (role: 'ping' | 'pong') =>
    new Worker(url, { workerData: { sab, role, rounds, timeoutMs: PING_PONG_TIMEOUT_MS } });
  const ping = spawn('ping');
  const pong = spawn('pong');
  const ended = (w: Worker) =>
    new Promise<Float64Array | null>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`ping-pong worker exited with code ${code}`)));
    });
  return Promise.all([ended(ping), ended(pong)])
    .then(([samples]) => samples!)
    .finally(() => Promise.all([ping.terminate(), pong.terminate()]));
}

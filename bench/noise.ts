/**
 * Whether a run's wall-clock can be read as the protocols' at all: the machine's own cross-CPU
 * exchange (a SAB ping-pong, p50) is measured before and after the run, and how busy the cores
 * are just before it. A run is noisy when the ping-pong moved by more than NOISE_BOUND or other
 * work kept the cores more than BUSY_BOUND busy when it began. Modeled cycles do not care; wall
 * speedups of a noisy run are shown greyed with the reason, never bare.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { pingPongP50 } from '../sim/machine/calibrate.js';

/** The ping-pong may move this much (after / before, either way) before the run is noisy. */
export const NOISE_BOUND = 1.5;
const ROUNDS = 2000;
/** A round of the probe that waits this long means the machine is too busy to measure. */
const ROUND_TIMEOUT_MS = 2000;
/** Cores this busy with other work (a fraction of all of them) make the run noisy. */
export const BUSY_BOUND = 0.5;
/** How long the cores' business is watched before the run (flushbench itself waits meanwhile). */
const BUSY_WINDOW_MS = 300;

/** All cores' busy and total jiffies from /proc/stat, or null off Linux. */
function cpuTimes(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * How busy the cores are right now, 0..1, watched for a moment while this process waits; off
 * Linux, the 1-minute load per core (a slower witness).
 */
async function busyNow(): Promise<number> {
  const a = cpuTimes();
  if (a === null) return loadavg()[0] / availableParallelism();
  await delay(BUSY_WINDOW_MS);
  const b = cpuTimes()!;
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

export interface NoiseCheck {
  /** null when the probe could not complete (a round waited past its limit): noisy by itself. */
  pingPongNsBefore: number | null;
  pingPongNsAfter: number | null;
  /** How busy the cores were with other work just before the run (0..1), and how many there are. */
  busyBefore: number;
  cores: number;
  noisy: boolean;
  /** Why the run is noisy, in one sentence; null when it is not. */
  reason: string | null;
}

/** Blocks per probe: their median stands, so one block the host preempted does not. */
const PROBE_BLOCKS = 3;

/** The probe never fails a run: a ping-pong that cannot complete is an answer (null). */
async function probe(): Promise<number | null> {
  try {
    const blocks: number[] = [];
    for (let i = 0; i < PROBE_BLOCKS; i++) blocks.push(await pingPongP50(ROUNDS, ROUND_TIMEOUT_MS));
    return blocks.sort((a, b) => a - b)[PROBE_BLOCKS >> 1];
  } catch {
    return null;
  }
}

export async function probeBefore(): Promise<{ pingPongNs: number | null; busy: number }> {
  const busy = await busyNow();
  return { busy, pingPongNs: await probe() };
}

export async function noiseCheck(before: {
  pingPongNs: number | null;
  busy: number;
}): Promise<NoiseCheck> {
  return judge(before.pingPongNs, await probe(), before.busy, availableParallelism());
}

/** The verdict from the figures (exported for the tests). */
export function judge(
  before: number | null,
  after: number | null,
  busy: number,
  cores: number,
): NoiseCheck {
  const reasons: string[] = [];
  if (before === null || after === null) {
    reasons.push(
      `the ping-pong probe ${before === null ? 'before' : 'after'} the run could not complete (a round waited over ${ROUND_TIMEOUT_MS / 1000} s)`,
    );
  } else if (!(Math.max(after / before, before / after) <= NOISE_BOUND)) {
    reasons.push(
      `the ping-pong moved from ${Math.round(before)} to ${Math.round(after)} ns during the run (more than ${NOISE_BOUND}×)`,
    );
  }
  if (busy > BUSY_BOUND) {
    reasons.push(
      `other work kept the ${cores} cores ${Math.round(busy * 100)} % busy when the run began (more than ${Math.round(BUSY_BOUND * 100)} %)`,
    );
  }
  return {
    pingPongNsBefore: before,
    pingPongNsAfter: after,
    busyBefore: busy,
    cores,
    noisy: reasons.length > 0,
    reason: reasons.length > 0 ? `wall-clock noisy: ${reasons.join('; ')}` : null,
  };
}

/** A stored run's noise check, if it has one (runs from before it have none). */
export function noiseOf(config: Record<string, unknown>): NoiseCheck | null {
  const n = config.noise as NoiseCheck | undefined;
  return n && typeof n.noisy === 'boolean' ? n : null;
}

/**
 * Whether a run's wall-clock can be read as the protocols' at all: the machine's own cross-CPU
 * exchange (a SAB ping-pong, p50) is measured before and after the run, and the load before it.
 * A run is noisy when the ping-pong moved by more than NOISE_BOUND or the machine was already
 * busier than its cores when the run began. Modeled cycles do not care; wall speedups of a noisy
 * run are shown greyed with the reason, never bare.
 */
import { availableParallelism, loadavg } from 'node:os';
import { pingPongP50 } from '../sim/machine/calibrate.js';

/** The ping-pong may move this much (after / before, either way) before the run is noisy. */
export const NOISE_BOUND = 1.5;
const ROUNDS = 2000;
/** A round of the probe that waits this long means the machine is too busy to measure. */
const ROUND_TIMEOUT_MS = 2000;

export interface NoiseCheck {
  /** null when the probe could not complete (a round waited past its limit): noisy by itself. */
  pingPongNsBefore: number | null;
  pingPongNsAfter: number | null;
  /** The 1-minute load average when the run began, and the cores it is compared with. */
  loadBefore: number;
  cores: number;
  noisy: boolean;
  /** Why the run is noisy, in one sentence; null when it is not. */
  reason: string | null;
}

/** The probe never fails a run: a ping-pong that cannot complete is an answer (null). */
async function probe(): Promise<number | null> {
  try {
    return await pingPongP50(ROUNDS, ROUND_TIMEOUT_MS);
  } catch {
    return null;
  }
}

export async function probeBefore(): Promise<{ pingPongNs: number | null; load: number }> {
  return { load: loadavg()[0], pingPongNs: await probe() };
}

export async function noiseCheck(before: {
  pingPongNs: number | null;
  load: number;
}): Promise<NoiseCheck> {
  return judge(before.pingPongNs, await probe(), before.load, availableParallelism());
}

/** The verdict from the figures (exported for the tests). */
export function judge(
  before: number | null,
  after: number | null,
  load: number,
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
  if (load > cores)
    reasons.push(`the load was ${load.toFixed(2)} on ${cores} cores when the run began`);
  return {
    pingPongNsBefore: before,
    pingPongNsAfter: after,
    loadBefore: load,
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

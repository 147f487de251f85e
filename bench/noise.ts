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
const ROUNDS = 5000;

export interface NoiseCheck {
  pingPongNsBefore: number;
  pingPongNsAfter: number;
  /** The 1-minute load average when the run began, and the cores it is compared with. */
  loadBefore: number;
  cores: number;
  noisy: boolean;
  /** Why the run is noisy, in one sentence; null when it is not. */
  reason: string | null;
}

export async function probeBefore(): Promise<{ pingPongNs: number; load: number }> {
  return { load: loadavg()[0], pingPongNs: await pingPongP50(ROUNDS) };
}

export async function noiseCheck(before: {
  pingPongNs: number;
  load: number;
}): Promise<NoiseCheck> {
  return judge(before.pingPongNs, await pingPongP50(ROUNDS), before.load, availableParallelism());
}

/** The verdict from the figures (exported for the tests). */
export function judge(before: number, after: number, load: number, cores: number): NoiseCheck {
  const ratio = Math.max(after / before, before / after);
  const reasons: string[] = [];
  if (!(ratio <= NOISE_BOUND)) {
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

/**
 * One side of the calibration ping-pong: two workers bounce a counter through two cache lines
 * of a SharedArrayBuffer by spinning, the floor any cross-CPU round trip here is held to. The
 * `ping` side times each round trip.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { cpuStuck } from '../shared/errors.js';

export interface PingPongInit {
  sab: SharedArrayBuffer;
  role: 'ping' | 'pong';
  rounds: number;
  timeoutMs: number;
}

/** The ping side writes this slot, the pong side the one a line away. */
export const kPing = 0;
export const kPong = 16;
/** Both sides count in here before starting, so neither times the other's start-up. */
export const kReady = 32;

const { sab, role, rounds, timeoutMs } = workerData as PingPongInit;
const i32 = new Int32Array(sab);
const deadline = performance.now() + timeoutMs;

function stuck(what: string): never {
  throw cpuStuck(
    `calibration ping-pong: the ${role} side waited ${timeoutMs} ms for ${what}`,
    role === 'ping' ? 0 : 1,
  );
}

/** Spins until i32[idx] === value, looking at the clock every 4096 polls. */
function spinUntil(idx: number, value: number, what: string): void {
  let polls = 0;
  // Pairs with the other side's Atomics.store.
  while (Atomics.load(i32, idx) !== value) {
    if (++polls === 4096) {
      polls = 0;
      if (performance.now() > deadline) stuck(what);
    }
  }
}

Atomics.add(i32, kReady, 1);
spinUntil(kReady, 2, 'the other side to start');
if (role === 'ping') {
  const samplesNs = new Float64Array(rounds);
  for (let r = 1; r <= rounds; r++) {
    const t0 = performance.now();
    // Publishes round r; pairs with the pong side's spin on kPing.
    Atomics.store(i32, kPing, r);
    spinUntil(kPong, r, `round ${r}`);
    samplesNs[r - 1] = (performance.now() - t0) * 1e6;
  }
  parentPort!.postMessage(samplesNs, [samplesNs.buffer]);
} else {
  for (let r = 1; r <= rounds; r++) {
    spinUntil(kPing, r, `round ${r}`);
    // Answers round r; pairs with the ping side's spin on kPong.
    Atomics.store(i32, kPong, r);
  }
  parentPort!.postMessage(null);
}

/**
 * One side of a pinned ping-pong: each side waits for the other's write to one shared word and
 * answers, so a round trip is two cache-line transfers between the two CPUs. Every spin is
 * bounded: a side that sees no answer within the deadline says so and stops.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { libc } from './libc.js';

const { cpu, ctl, rounds, first, deadlineMs } = workerData as {
  cpu: number;
  ctl: SharedArrayBuffer;
  rounds: number;
  first: boolean;
  deadlineMs: number;
};
const word = new Int32Array(ctl);
libc().pin(cpu);
// word[1]: both sides ready; word[0]: the ball (odd: the first side served).
Atomics.add(word, 1, 1);
const deadline = Date.now() + deadlineMs;
const spinUntil = (test: () => boolean): boolean => {
  for (let i = 0; !test(); i++) {
    if ((i & 0xffff) === 0xffff && Date.now() > deadline) return false;
  }
  return true;
};
if (!spinUntil(() => Atomics.load(word, 1) === 2)) {
  parentPort?.postMessage({ stuck: 'start' });
} else {
  // The first side times each round trip; the median leaves out rounds the host preempted.
  const trips = new Float64Array(rounds);
  let ok = true;
  for (let r = 0; r < rounds && ok; r++) {
    const serve = 2 * r + (first ? 1 : 2);
    // The first side serves odd values; the second answers with the next even one.
    if (!first) ok = spinUntil(() => Atomics.load(word, 0) === serve - 1);
    const t0 = first ? process.hrtime.bigint() : 0n;
    if (ok) Atomics.store(word, 0, serve);
    if (ok && first) {
      ok = spinUntil(() => Atomics.load(word, 0) === serve + 1);
      trips[r] = Number(process.hrtime.bigint() - t0);
    }
  }
  trips.sort();
  parentPort?.postMessage(ok ? { roundTripNs: trips[rounds >> 1] } : { stuck: 'round' });
}

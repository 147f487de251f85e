/**
 * A cache line's transfer between two CPUs of this host, measured: two threads pinned to them
 * bounce one shared word; a round trip is two transfers. Each block gives the median of its
 * timed round trips, and the median of the blocks stands, so preempted rounds and blocks do not.
 */
import { Worker } from 'node:worker_threads';
import { createError } from '../common/errors.js';

const BLOCKS = 5;
const ROUNDS = 20_000;
const DEADLINE_MS = 10_000;

function block(a: number, b: number): Promise<number> {
  const ctl = new SharedArrayBuffer(8);
  const url = new URL('./pingpong-worker.js', import.meta.url);
  const sides = [a, b].map(
    (cpu, i) =>
      new Worker(url, {
        workerData: { cpu, ctl, rounds: ROUNDS, first: i === 0, deadlineMs: DEADLINE_MS },
      }),
  );
  const results = sides.map(
    (w, i) =>
      new Promise<number>((resolve, reject) => {
        w.once('error', reject);
        w.once('message', (m: { roundTripNs?: number; stuck?: string }) => {
          if (m.roundTripNs !== undefined) return resolve(m.roundTripNs);
          reject(
            createError(
              'CPU_STUCK',
              [
                `the ping-pong thread on CPU ${[a, b][i]} saw no answer within ${DEADLINE_MS / 1000} s (${m.stuck})`,
              ],
              { cpu: [a, b][i] },
            ),
          );
        });
      }),
  );
  return Promise.all(results)
    .then(([first]) => first)
    .finally(() => Promise.all(sides.map((w) => w.terminate())));
}

/** One cache-line transfer between CPUs `a` and `b`, ns: half the median round trip. */
export async function lineTransferNs(a: number, b: number): Promise<number> {
  const trips: number[] = [];
  for (let i = 0; i < BLOCKS; i++) trips.push(await block(a, b));
  trips.sort((x, y) => x - y);
  return trips[BLOCKS >> 1] / 2;
}

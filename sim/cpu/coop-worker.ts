/**
 * Worker entry of the cooperative engine: a slice of the simulated CPUs on one thread, run by the
 * scheduler (scheduler.ts) from wait point to wait point. Between cases the thread sits in its
 * event loop; a `run` message runs a whole case and answers with a report per CPU of the slice.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LayoutParams } from '../shared/layout.js';
import type { FromCpu, ToCpu } from '../shared/messages.js';
import { Cpu, machineParts } from './cpu.js';
import { resultTransfer } from './report.js';
import { Scheduler } from './scheduler.js';

export interface CoopInit {
  sab: SharedArrayBuffer;
  layout: LayoutParams;
  /** The slice: CPUs first … first + count − 1. */
  first: number;
  count: number;
  worker: number;
  workers: number;
}

const init = workerData as CoopInit;
const parts = machineParts(init.sab, init.layout);
const scheduler = new Scheduler(parts, init.first, init.count, init.worker, init.workers);
const cpus: Cpu[] = [];
for (let i = 0; i < init.count; i++) cpus.push(new Cpu(parts, init.first + i, scheduler));
scheduler.adopt(cpus);
const port = parentPort!;

port.on('message', (msg: ToCpu) => {
  if (msg.type !== 'run') return;
  for (const report of scheduler.run(msg.config)) {
    if (report.type === 'result')
      port.postMessage(report satisfies FromCpu, resultTransfer(report));
    else port.postMessage(report satisfies FromCpu);
  }
});

port.postMessage({ type: 'ready', cpu: init.first } satisfies FromCpu);

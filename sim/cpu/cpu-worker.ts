/**
 * Worker entry of the threads engine: one simulated CPU. Between cases the thread sits in its
 * event loop (no spinning); a `run` message runs a whole case and answers with `result` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { abortRun } from '../shared/machine-state.js';
import type { FromCpu, ToCpu } from '../shared/messages.js';
import { Cpu, type CpuInit, machineParts } from './cpu.js';
import { errorReport, resultTransfer } from './report.js';
import { ThreadHost } from './thread-host.js';

const init = workerData as CpuInit;
const parts = machineParts(init.sab, init.layout);
const host = new ThreadHost(parts.i32, parts.layout, init.cpu);
const cpu = new Cpu(parts, init.cpu, host);
host.attach(cpu.wait);
const port = parentPort!;

port.on('message', (msg: ToCpu) => {
  if (msg.type !== 'run') return;
  try {
    const result = host.runBlocking(cpu.runCase(msg.config));
    port.postMessage(result satisfies FromCpu, resultTransfer(result));
  } catch (err) {
    abortRun(parts.i32, parts.layout);
    port.postMessage(errorReport(init.cpu, err) satisfies FromCpu);
  }
});

port.postMessage({ type: 'ready', cpu: init.cpu } satisfies FromCpu);

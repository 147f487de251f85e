/**
 * Worker entry: one simulated CPU. Between cases the thread sits in its event loop (no spinning);
 * a `run` message runs a whole case synchronously and answers with `result` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCodes, errorCodeOf, isFlushbenchError } from '../shared/errors.js';
import { abortRun } from '../shared/machine-state.js';
import type { ErrorMessage, FromCpu, ToCpu } from '../shared/messages.js';
import { Cpu, type CpuInit } from './cpu.js';

const init = workerData as CpuInit;
const cpu = new Cpu(init);
const port = parentPort!;

port.on('message', (msg: ToCpu) => {
  if (msg.type !== 'run') return;
  try {
    const result = cpu.runCase(msg.config);
    const transfer: ArrayBuffer[] = [result.counters.buffer as ArrayBuffer];
    for (const a of [result.samplesNs, result.modeledCycles, result.iterationCycles]) {
      if (a) transfer.push(a.buffer as ArrayBuffer);
    }
    port.postMessage(result satisfies FromCpu, transfer);
  } catch (err) {
    abortRun(cpu.i32, cpu.layout);
    const code = errorCodeOf(err);
    const message =
      code === ErrorCodes.CPU_CRASHED
        ? `CPU ${init.cpu} crashed: ${(err as Error)?.stack ?? String(err)}`
        : (err as Error).message;
    const about = isFlushbenchError(err) && err.cpu !== undefined ? err.cpu : init.cpu;
    const reply: ErrorMessage = { type: 'error', cpu: init.cpu, about, code, message };
    port.postMessage(reply satisfies FromCpu);
  }
});

port.postMessage({ type: 'ready', cpu: init.cpu } satisfies FromCpu);

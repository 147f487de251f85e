/**
 * `flushbench kernel`: the host's real shootdown. What must hold on any load: the counts are
 * parsed as the kernel writes them, bad input is refused before a thread starts, and no
 * measurement — finished, failed or interrupted — leaves a thread running or the region mapped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ErrorCodes } from '../common/errors.js';
import { parseCpuList } from '../host/context.js';
import { parseInterrupts, received } from '../host/interrupts.js';
import { checkHost, type KernelOptions, measureKernel } from '../host/kernel.js';
import { CLI, cli } from './helpers.js';

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
const skip = onLinuxX64 ? false : 'flushbench kernel measures Linux on x86-64 only';

const SAMPLE = `            CPU0       CPU1       CPU2
   0:         44          0          0   IO-APIC   2-edge      timer
 NMI:          0          0          0   Non-maskable interrupts
 CAL:    6524587    6423977        12   Function call interrupts
 TLB:    1474850    1453647         7   TLB shootdowns
`;

test('/proc/interrupts: the TLB and CAL rows per CPU, and what the other CPUs received', () => {
  const before = parseInterrupts(SAMPLE);
  assert.deepEqual(before, { tlb: [1474850, 1453647, 7], cal: [6524587, 6423977, 12] });
  const after = parseInterrupts(
    SAMPLE.replace('1453647', '1453650')
      .replace('6423977', '6423981')
      .replace('1474850', '1474999'),
  );
  // CPU0 is the initiator: its own count is not the flush's.
  assert.deepEqual(received(before, after, [1, 2]), { tlb: 3, cal: 4 });
  assert.throws(() => parseInterrupts(SAMPLE.replace(/ TLB:.*\n/, '')), /no TLB row/);
  assert.throws(() => parseInterrupts('no header\n'), /no CPU columns/);
});

test('online CPU lists', () => {
  assert.deepEqual(parseCpuList('0-3,6,8-9\n'), [0, 1, 2, 3, 6, 8, 9]);
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.throws(() => parseCpuList('3-1'), /not a CPU list/);
});

const tasks = () => readdirSync('/proc/self/task').length;

/** Whether any mapping of this process contains `addr`. */
function mapped(addr: bigint): boolean {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .some((line) => {
      const m = line.match(/^([0-9a-f]+)-([0-9a-f]+) /);
      return m !== null && BigInt(`0x${m[1]}`) <= addr && addr < BigInt(`0x${m[2]}`);
    });
}

test('a measurement ends every thread and unmaps its region, finished or interrupted', {
  skip,
  timeout: 120_000,
}, async () => {
  const context = checkHost();
  const cpus = Math.min(2, context.onlineCpus.length);
  const base: KernelOptions = { cpus, pages: 2, workload: 'touch', iterations: 200 };
  let region = 0n;
  const onRegion = (addr: bigint) => {
    region = addr;
  };
  // One run first: whatever Node starts lazily for workers exists before the count.
  await measureKernel(base, context);
  const threads = tasks();

  const done = await measureKernel({ ...base, onRegion }, context);
  assert.equal(done.iterations, 200);
  assert.deepEqual(done.cpusUsed, context.onlineCpus.slice(0, cpus));
  assert.ok(done.madviseNs.p50 > 0 && done.madviseNs.p50 <= done.madviseNs.p99);
  assert.equal(done.madviseNs.count, 200);
  if (cpus === 1) assert.equal(done.ipis.tlbShootdowns, 0, 'no other CPU, no IPI counted');
  assert.equal(tasks(), threads, 'every thread has exited');
  assert.ok(region !== 0n && !mapped(region), 'the region is unmapped');

  // Interrupted while the threads run: the same clean-up, and a named error.
  const abort = new AbortController();
  const running = measureKernel(
    { ...base, workload: 'busy', iterations: 10_000_000, signal: abort.signal, onRegion },
    context,
  );
  const deadline = Date.now() + 30_000;
  while (tasks() < threads + cpus) {
    assert.ok(Date.now() < deadline, `the ${cpus} threads did not start within 30 s`);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(mapped(region), 'mapped while it runs');
  abort.abort();
  await assert.rejects(running, (e: NodeJS.ErrnoException) => e.code === ErrorCodes.RUN_ABORTED);
  assert.equal(tasks(), threads, 'every thread has exited after the abort');
  assert.ok(!mapped(region), 'the region is unmapped after the abort');
});

test('flushbench kernel refuses bad input with exit 2 before any thread starts', {
  skip,
  timeout: 120_000,
}, () => {
  const online = checkHost().onlineCpus.length;
  const tooMany = cli(['kernel', '--cpus', String(online + 1)]);
  assert.equal(tooMany.status, 2);
  assert.match(
    tooMany.stderr,
    new RegExp(
      `--cpus must be whole numbers from 1 to this host's ${online} online CPUs \\(got ${online + 1}\\)`,
    ),
  );
  const workload = cli(['kernel', '--workload', 'nap']);
  assert.equal(workload.status, 2);
  assert.match(workload.stderr, /--workload must be one of touch, idle, busy \(got "nap"\)/);
  const iterations = cli(['kernel', '--iterations', '5']);
  assert.equal(iterations.status, 2);
  assert.match(iterations.stderr, /--iterations must be a whole number from 100/);
  assert.equal(tooMany.stdout + workload.stdout + iterations.stdout, '');
});

test('Ctrl-C ends flushbench kernel with exit 130 once its threads are gone', {
  skip,
  timeout: 120_000,
}, async () => {
  const cpus = Math.min(2, checkHost().onlineCpus.length);
  const child = spawn(
    process.execPath,
    [CLI, 'kernel', '--cpus', String(cpus), '--iterations', '10000000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    // Printed once the handler is in place, just before the threads start.
    if (stderr.includes('kernel: ') && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /every thread has ended and the region is unmapped/);
});

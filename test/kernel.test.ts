/**
 * `flushbench kernel`: the host's real shootdown. What must hold on any load: the counts are
 * parsed as the kernel writes them, bad input is refused before a thread starts, and no
 * measurement — finished, failed or interrupted — leaves a thread running or the region mapped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, errorKindOf } from '../common/errors.js';
import { parseCpuList } from '../host/context.js';
import { parseInterrupts, received } from '../host/interrupts.js';
import { checkHost, type KernelOptions, measureKernel } from '../host/kernel.js';
import { CLI, cli, tempDb } from './helpers.js';

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
const skip = onLinuxX64 ? false : 'flushbench kernel measures Linux on x86-64 only';

/** This machine's /proc/interrupts (2 vCPUs under KVM), as read when the test was written. */
const KVM_SAMPLE = readFileSync(
  fileURLToPath(new URL('../../test/fixtures/interrupts-kvm-2vcpu.txt', import.meta.url)),
  'utf8',
);

/** A bare-metal layout: 16 CPUs, device rows with chip names, one-column ERR and MIS rows. */
const BARE_METAL_16 = `            CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7       CPU8       CPU9       CPU10      CPU11      CPU12      CPU13      CPU14      CPU15
   0:         42          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0  IR-IO-APIC    2-edge      timer
   8:          0          0          0          0          0          0          0          0          0          1          0          0          0          0          0          0  IR-IO-APIC    8-edge      rtc0
 124:          0          0     918273          0          0          0          0          0          0          0          0          0          0          0          0          0  IR-PCI-MSI 524288-edge      nvme0q0
 NMI:        113        109        101         99         97        104        111        108        102        100        105        103         98        106        107        110   Non-maskable interrupts
 LOC:   88213344   87123456   86011223   85990011   84400012   83300023   82200034   81100045   80000056   79900067   78800078   77700089   76600090   75500101   74400112   73300123   Local timer interrupts
 RES:     912345     812345     712345     612345     512345     412345     312345     212345     112345      12345       2345        345         45          5          4          3   Rescheduling interrupts
 CAL:    1000001    1000002    1000003    1000004    1000005    1000006    1000007    1000008    1000009    1000010    1000011    1000012    1000013    1000014    1000015    1000016   Function call interrupts
 TLB:     500001     500002     500003     500004     500005     500006     500007     500008     500009     500010     500011     500012     500013     500014     500015     500016   TLB shootdowns
 TRM:          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0   Thermal event interrupts
 THR:          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0   Threshold APIC interrupts
 MCE:          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0   Machine check exceptions
 MCP:       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234       1234   Machine check polls
 ERR:          0
 MIS:          0
 PIN:          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0          0   Posted-interrupt notification event
`;

test("/proc/interrupts: this machine's TLB and CAL rows, per CPU", () => {
  const counts = parseInterrupts(KVM_SAMPLE);
  assert.equal(counts.tlb.length, 2);
  assert.equal(counts.cal.length, 2);
  // The figures of the file itself, read another way: the row's numbers after its name.
  const row = (name: string) =>
    KVM_SAMPLE.split('\n')
      .find((l) => l.trim().startsWith(`${name}:`))!
      .trim()
      .split(/\s+/)
      .slice(1, 3)
      .map(Number);
  assert.deepEqual(counts.tlb, row('TLB'));
  assert.deepEqual(counts.cal, row('CAL'));
});

test('/proc/interrupts: a 16-CPU bare-metal layout, and what the other CPUs received', () => {
  const before = parseInterrupts(BARE_METAL_16);
  assert.deepEqual(
    before.tlb,
    Array.from({ length: 16 }, (_, i) => 500001 + i),
  );
  assert.deepEqual(
    before.cal,
    Array.from({ length: 16 }, (_, i) => 1000001 + i),
  );
  const after = parseInterrupts(
    BARE_METAL_16.replace(' 500002 ', ' 500005 ')
      .replace(' 500016 ', ' 500026 ')
      .replace(' 500001 ', ' 599999 '),
  );
  // CPU0 is the initiator: its own count is not the flush's.
  assert.deepEqual(received(before, after, [1, 15]), { tlb: 13, cal: 0 });
  assert.throws(() => parseInterrupts(BARE_METAL_16.replace(/ TLB:.*\n/, '')), /no TLB row/);
  assert.throws(() => parseInterrupts('no header\n'), /no CPU columns/);
  assert.throws(
    () => parseInterrupts(BARE_METAL_16.replace(/ CAL: {4}1000001 {4}1000002/, ' CAL:    1000001')),
    /CAL row does not give a count per CPU/,
  );
});

test('an unsupported host is refused with exit-2 input errors that say what still works', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as NodeJS.ErrnoException;
    }
    assert.fail('no error');
  };
  const mac = err(() =>
    checkHost({ os: 'darwin', arch: 'arm64', interruptsFile: '/proc/interrupts' }),
  );
  assert.equal(mac.code, ErrorCodes.HOST_UNSUPPORTED);
  assert.match(
    mac.message,
    /needs Linux on x86-64 \(this is darwin on arm64\); the simulator .* runs anywhere/,
  );
  const arm = err(() =>
    checkHost({ os: 'linux', arch: 'arm64', interruptsFile: '/proc/interrupts' }),
  );
  assert.match(arm.message, /this is linux on arm64/);
  const none = err(() =>
    checkHost({ os: 'linux', arch: 'x64', interruptsFile: '/nonexistent/interrupts' }),
  );
  assert.equal(none.code, ErrorCodes.HOST_UNSUPPORTED);
  assert.match(
    none.message,
    /counts IPIs from \/nonexistent\/interrupts, which does not exist here/,
  );
  assert.equal(errorKindOf(ErrorCodes.HOST_UNSUPPORTED)?.exitCode, 2);
});

test('online CPU lists', () => {
  assert.deepEqual(parseCpuList('0-3,6,8-9\n'), [0, 1, 2, 3, 6, 8, 9]);
  assert.deepEqual(parseCpuList('0'), [0]);
  assert.throws(() => parseCpuList('3-1'), /its CPU lists in \/sys cannot be read \(got "3-1"\)/);
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

test('bench runs the host kernel cases a suite lists, and stores them with their context', {
  skip,
  timeout: 120_000,
}, () => {
  const online = checkHost().onlineCpus.length;
  const db = tempDb();
  const r = cli([
    'bench',
    '--suite',
    'kernel',
    '--cpus',
    '1',
    '--pages',
    '1',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout);
  assert.deepEqual(
    run.cases.map((c: { key: string }) => c.key),
    [
      'touch/linux/cpus=1/pages=1/host',
      'idle/linux/cpus=1/pages=1/host',
      'busy/linux/cpus=1/pages=1/host',
    ],
  );
  for (const c of run.cases) {
    assert.equal(c.status, 'completed');
    assert.equal(c.modeledCycles, null);
    assert.equal(c.kernel.context.onlineCpus.length, online);
    assert.deepEqual(c.kernel.cpusUsed, [checkHost().onlineCpus[0]]);
    assert.equal(c.kernel.ipis.tlbShootdowns, 0, 'one CPU: no other CPU to count');
  }
  const shown = cli(['export', '--run', String(run.id), '--format', 'json', '--db', db]);
  assert.deepEqual(JSON.parse(shown.stdout).cases[0].kernel, run.cases[0].kernel);

  const tooMany = cli([
    'bench',
    '--protocols',
    'linux',
    '--cpus',
    String(online + 1),
    '--db',
    tempDb(),
  ]);
  assert.equal(tooMany.status, 2);
  assert.match(tooMany.stderr, new RegExp(`online CPUs \\(got ${online + 1}\\)`));
  const none = cli(['bench', '--protocols', 'linux', '--workloads', 'madvise', '--db', tempDb()]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /must leave at least one case to run/);
});

/**
 * The libc calls `flushbench kernel` makes, through koffi (a C FFI whose prebuilt binary ships in
 * its npm package: no compiler). Worker threads are real OS threads of one mm, so a thread that
 * pins itself and calls madvise() makes the kernel do a real TLB shootdown on the others.
 * Linux x86-64 only; loaded on first use so that other platforms never touch it.
 */
import koffi from 'koffi';
import { createError } from '../common/errors.js';

/** x86-64's base page. */
export const PAGE_SIZE = 4096;
const PROT_READ = 0x1;
const PROT_WRITE = 0x2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MADV_DONTNEED = 4;
/** mmap()'s MAP_FAILED, (void *) -1, as koffi returns a pointer (a BigInt). */
const MAP_FAILED = (1n << 64n) - 1n;
/** The CPU mask given to sched_setaffinity(): 1024 CPUs, as glibc's cpu_set_t. */
const MASK_WORDS = 16;

export interface Libc {
  /** A private anonymous read-write mapping of `bytes`; its address. */
  map(bytes: number): bigint;
  unmap(addr: bigint, bytes: number): void;
  /** madvise(MADV_DONTNEED): drops the pages, and the kernel flushes every CPU that may cache them. */
  dontNeed(addr: bigint, bytes: number): void;
  /** Pins the calling thread to one CPU. */
  pin(cpu: number): void;
  /** The CPU the calling thread runs on. */
  currentCpu(): number;
  /** An ArrayBuffer over mapped memory, without a copy. */
  view(addr: bigint, bytes: number): ArrayBuffer;
}

let loaded: Libc | null = null;

/** A system call that failed fails the case it measures. */
function failed(call: string): Error {
  return createError('CASE_FAILED', [`${call} failed: errno ${koffi.errno()}`]);
}

export function libc(): Libc {
  if (loaded) return loaded;
  const lib = koffi.load('libc.so.6');
  const mmap = lib.func(
    'void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)',
  );
  const munmap = lib.func('int munmap(void *addr, size_t len)');
  const madvise = lib.func('int madvise(void *addr, size_t len, int advice)');
  const setAffinity = lib.func('int sched_setaffinity(int pid, size_t size, uint64_t *mask)');
  const getCpu = lib.func('int sched_getcpu()');
  loaded = {
    map(bytes) {
      const addr = mmap(null, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (addr === null || addr === MAP_FAILED) throw failed(`mmap of ${bytes} bytes`);
      return addr as bigint;
    },
    unmap(addr, bytes) {
      if (munmap(addr, bytes) !== 0) throw failed('munmap');
    },
    dontNeed(addr, bytes) {
      if (madvise(addr, bytes, MADV_DONTNEED) !== 0) throw failed('madvise(MADV_DONTNEED)');
    },
    pin(cpu) {
      const mask = new BigUint64Array(MASK_WORDS);
      mask[cpu >> 6] = 1n << BigInt(cpu & 63);
      // pid 0 is the calling thread.
      if (setAffinity(0, MASK_WORDS * 8, mask) !== 0)
        throw failed(`sched_setaffinity to CPU ${cpu}`);
    },
    currentCpu: () => getCpu() as number,
    view: (addr, bytes) => koffi.view(addr, bytes),
  };
  return loaded;
}

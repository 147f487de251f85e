/** Where a command writes: stdout and stderr, a line at a time (tests pass their own). */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Where an access was made, for the oracle's violation reports: an index into whereNamesOf. */
export const WHERE_USER = 0;
export const WHERE_CROSSCALL = 1;
export const WHERE_REFAULT = 2;
export const WHERE_END = 3;
export const WHERE_NMI = 4;
const WHERE_NAMES = [
  'user access',
  'cross-call reading user memory',
  'refault on the initiator',
  'user access after the run (lazy CPUs back on the mm)',
  'NMI handler reading user memory',
];

/** Every WHERE_ in words, with the CPU's number: made once per CPU, indexed on every access. */
export function whereNamesOf(cpu: number): readonly string[] {
  return WHERE_NAMES.map((w) => `${w} on CPU ${cpu}`);
}

/** The `--fault` flag of `sim` and `bench`: make a CPU fail, to see how a failure is reported. */
import { invalidType } from '../common/errors.js';
import type { FaultOptions } from '../sim/shared/options.js';

/** `--fault 3:hang:10` → the fault-injection option; the machine validates the values. */
export function parseFault(text: string): FaultOptions {
  const m = /^(\d+):(\w+)(?::(\d+))?$/.exec(text);
  if (!m) {
    throw invalidType(
      `--fault must look like <cpu>:<hang|throw|exit>[:<csds>] (got ${JSON.stringify(text)})`,
    );
  }
  return {
    cpu: Number(m[1]),
    kind: m[2] as FaultOptions['kind'],
    afterCsds: m[3] === undefined ? 1 : Number(m[3]),
  };
}

/** The CLI run in this process, `main(argv, io)`: no Node start per call, nothing spawned. */
import { main } from '../cli/cli.js';

export async function runMain(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Every flag the command line has, as `flushbench --help` lists them. */
export async function realFlags(): Promise<Set<string>> {
  const help = await runMain(['--help']);
  return new Set(help.stdout.match(/--[a-z][a-z-]*/g));
}

/** The flags a message names that the command line does not have. */
export function unknownFlags(message: string, flags: Set<string>): string[] {
  return (message.match(/--[a-z][a-z-]*/g) ?? []).filter((f) => !flags.has(f));
}

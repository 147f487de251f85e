/**
 * How a case was run, as the run record stores it (data/run-record.ts, caseExecution): the
 * threads engine, one worker thread per simulated CPU, or the cooperative engine, the CPUs taking
 * turns on a few worker threads in the order of a seeded PCT schedule, which replays. A simulated
 * case stored without an engine ran on threads; a case of this host's kernel ran on neither.
 */
import type { Case, DefaultEngine, Engine, HostProfileName, Schedule } from './api.js';
import { h } from './dom.js';

const DEFAULT_ENGINE: DefaultEngine = 'threads';
/** The profile of this host's kernel cases: measured on the host, not simulated by an engine. */
const HOST_PROFILE: HostProfileName = 'host';

export function engineOf(c: Case): Engine | null {
  return c.engine ?? (c.profile === HOST_PROFILE ? null : DEFAULT_ENGINE);
}

export const COOPERATIVE_NOTE =
  "the cooperative engine: the simulated CPUs took turns on a few worker threads in a seeded PCT order that replays; its wall-clock is not hardware-like, its modeled cycles are the threads engine's";

/**
 * The command that replays a schedule, as text a reader selects whole with one click; a case run
 * on several workers has none.
 */
export function replayCode(s: Schedule): HTMLElement | string {
  if (s.replay === null) return 'none: several workers, whose interleaving is the OS’s';
  return h('code', { class: 'replay', title: 'the command that replays this schedule' }, s.replay);
}

/** The interleaving's steps up to the first violation, collapsed under their count. */
export function violationSteps(s: Schedule): HTMLElement | string {
  const steps = s.firstViolationSteps;
  if (steps === null || steps.length === 0) return '–';
  return h(
    'details',
    { class: 'violation-steps' },
    h('summary', {}, `${steps.length} step${steps.length === 1 ? '' : 's'} to the first violation`),
    h('ol', {}, ...steps.map((step) => h('li', {}, step))),
  );
}

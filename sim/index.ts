/** flushbench's simulated machine: the public surface that bench/ and tests use. */

export { type Summary, summarize } from '../common/stats.js';
export { type CaseResult, Machine, type ModeledSummary, type Oracle } from './machine/machine.js';
export {
  ErrorCodes,
  type FlushbenchError,
  isFlushbenchError,
  isInputError,
  nonFiniteStatistic,
} from './shared/errors.js';
export {
  COUNTER_NAMES,
  type CounterName,
  type OracleCounts,
  type OrderEvent,
  type ScheduleInfo,
  type TraceEvent,
  type Violation,
  type ViolationKind,
  violationsOf,
} from './shared/messages.js';
export {
  CASE_DEFAULTS,
  type CaseOptions,
  COOPERATIVE_WARMUP_FLUSHES,
  ENGINES,
  type Engine,
  type EngineChoice,
  MACHINE_DEFAULTS,
  MAX_CPUS,
  MAX_THREADS_CPUS,
  type MachineOptions,
  PROTOCOLS,
  type Protocol,
  type ResolvedCaseOptions,
  type ResolvedMachineOptions,
  resolveCaseOptions,
  resolveMachineOptions,
  SAFE_PROTOCOLS,
  WORKLOADS,
  type Workload,
} from './shared/options.js';
export { checkProfileFits, loadProfile, type Profile, profileNames } from './shared/profile.js';
export {
  activeCpusOf,
  BASELINE_PROTOCOL,
  CONTROL_PROTOCOLS,
  HEADLINE_PROTOCOL,
  linuxProtocolOf,
  mustBeCaught,
  type OracleVerdict,
  oracleVerdict,
  PROTOCOL_TRAITS,
  type ProtocolRole,
  type ProtocolTraits,
  traitsIn,
  VERDICT_PROTOCOLS,
} from './shared/protocols.js';
export { initiatorsOf, WORKLOAD_TRAITS, type WorkloadTraits } from './shared/workloads.js';

/** flushbench's simulated machine: the public surface that bench/ and tests use. */

export type { TraceEvent } from './cost-model.js';
export {
  ErrorCodes,
  type FlushbenchError,
  isFlushbenchError,
  isInputError,
  nonFiniteStatistic,
} from './errors.js';
export { type CaseResult, Machine, type ModeledSummary, type Oracle } from './machine.js';
export {
  COUNTER_NAMES,
  type CounterName,
  type OracleCounts,
  type OrderEvent,
  type Violation,
  type ViolationKind,
  violationsOf,
} from './messages.js';
export {
  CASE_DEFAULTS,
  type CaseOptions,
  MACHINE_DEFAULTS,
  MAX_CPUS,
  type MachineOptions,
  PROTOCOLS,
  type Protocol,
  resolveCaseOptions,
  resolveMachineOptions,
  SAFE_PROTOCOLS,
  WORKLOADS,
  type Workload,
} from './options.js';
export { checkProfileFits, loadProfile, type Profile, profileNames } from './profile.js';
export {
  CONTROL_PROTOCOLS,
  mustBeCaught,
  type OracleVerdict,
  oracleVerdict,
  PROTOCOL_TRAITS,
  type ProtocolTraits,
} from './protocols.js';
export { type Summary, summarize } from './stats.js';

// The load generator as a library (the benchmark runner drives it); bench/load.ts is its CLI.
export { parseDuration } from "./duration.ts";
export { openAccounts } from "./flows/accounts.ts";
export { FLOW_NAMES, type FlowName } from "./flows/flow.ts";
export { progressLine, summaryText } from "./format.ts";
export {
  DEFAULT_LOAD_OPTIONS,
  type LoadHooks,
  type LoadOptions,
  type LoadProgress,
  type LoadSummary,
  runLoad,
  withDefaults,
} from "./run.ts";
export type { FlowSummary } from "./stats.ts";
export { defaultTargets, type Targets, UnreachableError } from "./targets.ts";

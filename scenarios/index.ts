/**
 * The scenario library's public API: the registry, the way to define a scenario, and the
 * ways to run and check one.
 */
export {
  CheckPlan,
  type CheckRequest,
  type CheckResult,
  type Counterexample,
  checkScenario,
  mix,
  parseShard,
  type RunFailure,
  type ScanResult,
  type ShardSpec,
  scanRuns,
  shardIndices,
  shrinkFailure,
  summarizeCheck,
} from './framework/check.ts';
export { describeScenario, type ScenarioInfo } from './framework/describe.ts';
export { faultPlanArbitrary } from './framework/fault-arbitrary.ts';
export { coerceParamText, describeAllowed, paramsJsonSchema, parseParams } from './framework/params.ts';
export {
  fmtMs,
  type InvariantResult,
  RUN_BOUNDED,
  type RunRequest,
  type RunResult,
  resolvePreset,
  resolveStrategy,
  runScenario,
  type TraceMode,
  type ViolationRecord,
} from './framework/run.ts';
export {
  type AnyScenario,
  type ChartSpec,
  defineScenario,
  type FaultSpace,
  type GoalSpec,
  goalsFor,
  type InjectSpec,
  type InvariantKind,
  type InvariantSpec,
  invariantsFor,
  type MetricSpec,
  type Model,
  type Preset,
  type Scenario,
  type ScenarioDefinition,
  type Strategy,
  type Timing,
  type Topology,
  type TopologyNode,
  type World,
} from './framework/scenario.ts';
export { findScenario, scenarios } from './registry.ts';

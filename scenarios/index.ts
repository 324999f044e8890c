/**
 * The scenario library's public API: the registry, the way to define a scenario, and the
 * ways to run and check one. `z` is zod, re-exported so that a scenario's parameters need no
 * second install.
 */
export { z } from 'zod';
export {
  type CheckCoverage,
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
export { ClientHistory, type ClientOperation, HISTORY_STATES_MAX, type HistoryClaim } from './framework/client-history.ts';
export { describeScenario, type ScenarioInfo } from './framework/describe.ts';
export {
  classesOf,
  coverageCatalogue,
  coverageItems,
  FAULT_CLASSES,
  type FaultClass,
  faultPlanArbitrary,
  fullSwarm,
  IO_CRASH_POINTS,
  type Swarm,
  swarmFor,
} from './framework/fault-arbitrary.ts';
export { coerceParamText, describeAllowed, paramsJsonSchema, parseParams } from './framework/params.ts';
export {
  fmtMs,
  HANDLER_THREW,
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
  type ChartDeclaration,
  type ChartSpec,
  type DeclaredNode,
  defineScenario,
  type FaultSpace,
  type FaultSpaceOptions,
  type FaultTarget,
  type GoalSpec,
  goalsFor,
  type InjectArgSpec,
  type InjectSpec,
  type InvariantKind,
  type InvariantSpec,
  invariantsFor,
  KINDS_OF_CLASS,
  type MetricSpec,
  type Model,
  NODE_FAULT_CLASSES,
  type NodeFaultClass,
  type NodeSpec,
  type Preset,
  type Scenario,
  type ScenarioDefinition,
  type SeriesReader,
  type Strategy,
  type Timing,
  type Topology,
  type TopologyNode,
  type ViolationDetail,
  type Witness,
  type World,
} from './framework/scenario.ts';
export { type DeclaredSystem, DRAWN_KINDS, declaredSystem } from './framework/system.ts';
export { allScenarios, findScenario, moduleOf, registerScenario, scenarios, unregisterScenario } from './registry.ts';

/**
 * faultline's kernel: the public API. Scenarios, the CLI, the server, the browser and user
 * tests import from here and nowhere deeper.
 */
export { AssertionError, assert } from './assert.ts';
export { type DiskProbe, DurableLog, DurableMap, DurableStore } from './disk.ts';
export { BoundExceededError, type BoundName, CrashSignal, HandlerError, InputError, MisuseError } from './errors.ts';
export { EventQueue } from './event-queue.ts';
export {
  describeFault,
  FAULT_KINDS,
  FAULTS_PER_PLAN_MAX,
  type Fault,
  type FaultKind,
  type FaultPlan,
  FaultPlanSchema,
  FaultSchema,
  formatIssues,
  nodesOfFault,
  parseFaultPlan,
} from './faults.ts';
export { type Latency, LatencyModel, LatencySchema } from './latency.ts';
export { cos, DetMath, erf, exp, expm1, log, log1p, log2, log10, pow, sin } from './math/index.ts';
export { Counter, Gauge, Histogram, type HistogramSummary, Metrics, percentile, type SeriesPoint, TimeSeries } from './metrics.ts';
export { type LinkPatch, type LinkSpec, LinkSpecSchema, Network } from './network.ts';
export { type AnySpawn, type InjectFault, NodeContext, type NodeHandlers, type NodeHost, type NodeId, type Spawn, type TimerId } from './node.ts';
export { RandomStreams, Stream, Zipf } from './random.ts';
export type { NodeStatus } from './sim-node.ts';
export {
  type MessageStats,
  type RunOptions,
  type RunOutcome,
  Simulation,
  type SimulationOptions,
  type Violation,
} from './simulation.ts';
export { CallbackTrace, HashTrace, MemoryTrace, materialize, Row, TeeTrace, type TraceSink } from './trace.ts';
export { type DropReason, type NoteLevel, TRACE_EVENT_TYPES, type TraceEvent, type TraceEventType } from './trace-event.ts';
export { hashEvents, TraceHasher } from './trace-hash.ts';

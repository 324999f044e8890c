/**
 * A scenario: the unit users pick, watch, compare and check. `defineScenario` turns one
 * plain object — the design question, parameters, strategies, fault presets, invariants,
 * goals, metrics and a `build` function that declares the nodes and wires them — into a value
 * the registry, the CLI, the server and the browser all read the same way.
 *
 * Nodes are declared once, in `build`, by name, with their role, the faults they may suffer
 * and their behaviour (`world.node(name, spec, spawn)`); the topology, the fault space's
 * targets and the charts are read from those declarations, never listed a second time.
 *
 * Every strategy's flaw must be real: `expectedViolations` is a claim the checker must
 * confirm by finding the violation from scratch, never a scripted outcome.
 */
import type { z } from 'zod';
import {
  type AnySpawn,
  assert,
  type DurableStore,
  type FaultKind,
  type FaultPlan,
  type LinkPatch,
  type LinkSpec,
  type MessageStats,
  type Metrics,
  type NodeId,
  type NodeStatus,
  type NoteLevel,
  type Simulation,
  type Stream,
} from '../../engine/index.ts';
import type { ClientHistory, HistoryClaim } from './client-history.ts';

/** How a strategy works and what it is known to break. */
export interface Strategy {
  id: string;
  title: string;
  /** One paragraph: how it works and what it costs. */
  explanation: string;
  /** Invariants this strategy breaks under some faults (empty for a sound strategy). */
  expectedViolations: readonly string[];
}

export type InvariantKind = 'safety' | 'liveness';

export interface InvariantSpec {
  name: string;
  /** safety: must hold at every moment, under any faults; liveness: judged once the system has settled after the last fault healed. */
  kind: InvariantKind;
  description: string;
  /** Strategy ids this invariant is checked for (those that claim it); all when absent. */
  appliesTo?: readonly string[];
  /**
   * Judged by a generic history checker on the clients' recorded history at the end of the
   * run (`world.history`), not by the scenario's own code: the consistency model the strategy
   * claims (e.g. `{ model: 'kv' }` for linearizable keys, `{ model: 'session' }` for
   * read-your-writes and monotonic reads, `{ model: 'list-append', consistency: 'serializable' }`).
   */
  history?: HistoryClaim;
}

/** A "sometimes" goal: a state the workload should reach at least once, so a run that exercised nothing cannot pass silently. */
export interface GoalSpec {
  name: string;
  description: string;
  /** Strategy ids for which the goal can happen at all; all when absent. */
  appliesTo?: readonly string[];
}

export interface MetricSpec {
  name: string;
  unit: string;
  description: string;
  /** Which direction is better, for comparisons. */
  better: 'lower' | 'higher' | 'neither';
}

/** A chart as the UI draws it: series names (the `metric` events of the trace), a unit, an optional limit line. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: readonly string[];
  /** Draw a horizontal line here (a capacity, a bound), with its label. */
  limit?: { value: number; label: string };
}

/**
 * How a series reads its value at a sample: a function of the model's state (null: no point
 * this time), or `{ perSecond }`, a count whose growth since the last sample is charted as a
 * rate.
 */
export type SeriesReader = (() => number | null) | { perSecond: () => number };

/** A chart declared in build: what it shows and how each series is read. */
export interface ChartDeclaration {
  id: string;
  title: string;
  unit: string;
  /** Sampling period, in simulated ms. */
  everyMs: number;
  /** Each series by name, with how to read it. Sampled only when a trace is recorded, so a check pays nothing. */
  series: Readonly<Record<string, SeriesReader>>;
  limit?: { value: number; label: string };
}

export interface Preset<P> {
  id: string;
  title: string;
  description: string;
  faults: (params: P) => FaultPlan;
}

/** The classes of fault the checker may put on a node. */
export type NodeFaultClass = 'crash' | 'pause' | 'network' | 'clock';
export const NODE_FAULT_CLASSES: readonly NodeFaultClass[] = ['crash', 'pause', 'network', 'clock'];

/** Which fault kinds belong to which class of a node's faults. */
export const KINDS_OF_CLASS: Readonly<Record<NodeFaultClass, readonly FaultKind[]>> = {
  crash: ['crash', 'restart'],
  pause: ['pause', 'resume', 'slow'],
  network: ['partition', 'degrade'],
  clock: ['skew', 'drift', 'resync'],
};

/** A node as its scenario declares it. */
export interface NodeSpec {
  /** The node's role, shown in the UI and grouping its lane (coordinator, participant, cache, database...). */
  role: string;
  /** Named protocol steps (`ctx.crashPoint(name)`) where the checker may crash this node exactly. */
  crashPoints?: readonly string[];
  /**
   * Fault classes the checker must spare this node, each with the reason the scenario's
   * question forbids it. Every node may crash, pause, be cut off or have its clock moved unless
   * spared here: a stateful node is spared only with a reason a reader would accept.
   */
  spare?: Readonly<Partial<Record<NodeFaultClass, string>>>;
}

/** A declared node: its name, its spec and its id in the simulation. */
export interface DeclaredNode extends NodeSpec {
  name: string;
  id: NodeId;
}

export interface TopologyNode {
  name: string;
  /** The node's role, shown in the UI (coordinator, participant, cache, db, broker...). */
  role: string;
}

export interface Topology {
  nodes: readonly TopologyNode[];
}

/** Arguments of an injected fault, as data: a numeric range or a list of choices. */
export type InjectArgSpec = { min: number; max: number; integer?: boolean } | { oneOf: readonly (string | number | boolean)[] };

export interface InjectSpec {
  /** The inject fault's name, as the scenario's handler knows it. */
  name: string;
  description: string;
  /** Nodes it may target (delivered to that node's onInject); absent: a scenario-level inject (world.onInject). */
  nodes?: readonly string[];
  args?: Readonly<Record<string, InjectArgSpec>>;
}

/** What the scenario says about its fault space beyond its nodes' declarations. */
export interface FaultSpaceOptions {
  /** Faults are drawn at integer times in [0, windowMs]. */
  windowMs: number;
  /** At most this many faults per plan (default 4). */
  faultsMax?: number;
  /** Kinds the checker must never draw for this scenario, each with the reason. */
  exclude?: Readonly<Partial<Record<FaultKind, string>>>;
  /** Scenario-defined faults the checker may inject. */
  injects?: readonly InjectSpec[];
  /** Largest mean of a generated latency spike on a link, in ms (default: a tenth of the window, at most 2,000). */
  latencySpikeMsMax?: number;
  /** Largest jump of a generated clock skew, in ms (default: a fifth of the window, at most 10,000). */
  clockSkewMsMax?: number;
}

/** A node of the fault space: what the checker may do to it. */
export interface FaultTarget {
  name: string;
  role: string;
  crash: boolean;
  pause: boolean;
  network: boolean;
  clock: boolean;
  crashPoints: readonly string[];
}

/** Where the checker may put faults: on which nodes, of which kinds, in which time window (derived from the nodes). */
export interface FaultSpace {
  windowMs: number;
  faultsMax: number;
  /** Every node, with what may happen to it. */
  nodes: readonly FaultTarget[];
  /** The kinds the checker draws. */
  kinds: readonly FaultKind[];
  /** What the checker never does, and why: excluded kinds and spared nodes. */
  excluded: readonly { kind: FaultKind | NodeFaultClass; node?: string; reason: string }[];
  injects: readonly InjectSpec[];
  latencySpikeMsMax: number;
  clockSkewMsMax: number;
  /** Nodes that may crash (and restart). */
  crashable: readonly string[];
  /** Nodes that partitions may separate. */
  partitionable: readonly string[];
  /** Named crash points per node. */
  crashPoints: Readonly<Record<string, readonly string[]>>;
}

export interface Timing {
  /** The workload runs during [0, workloadMs]. */
  workloadMs: number;
  /** After the last fault heals, the system has this long to settle before liveness is judged. */
  settleMs: number;
}

/** A moment, node or key an invariant's verdict points at: what a viewer should look at. */
export interface Witness {
  /** Simulated time, in ms. */
  t: number;
  node?: string;
  /** The key, transaction or message correlation the violation is about. */
  key?: string;
  /** What happened there, in words. */
  what?: string;
}

/** Where a violation happened and what it points at. */
export interface ViolationDetail {
  node?: string | NodeId;
  /** The moments that explain it (an end-judged invariant names the causes, not only the end). */
  witnesses?: readonly Witness[];
}

/** What a scenario's build function is given: the run's choices and the means to declare its system. */
export interface World<P> {
  readonly params: P;
  readonly strategy: string;
  /** When the workload ends, when every fault is healed, when the run ends. */
  readonly workloadMs: number;
  readonly healAtMs: number;
  readonly endMs: number;
  /** True simulated time, in ms: the observer's clock (nodes read their own, `ctx.now`). */
  readonly now: number;
  /**
   * False when no one reads this run's metrics: a check judges invariants and goals only, over
   * thousands of runs. Work that feeds nothing but `metrics()` (a percentile sampled through
   * the run for a peak) may then be skipped; never what an invariant, a goal or the system's
   * own decisions read, and never an event (a sampler still ticks).
   */
  readonly metricsRead: boolean;
  /**
   * Declares a node: its name (unique), its role and faults, and its behaviour — a `Spawn`
   * typed by the messages it sends and receives and the tags of its timers. Returns its id.
   */
  node(name: string, spec: NodeSpec, behaviour: AnySpawn): NodeId;
  /** Every declared node, in declaration order. */
  readonly nodes: readonly DeclaredNode[];
  /** The id of a node by name (throws, naming the nodes there are, when none). */
  lookup(name: string): NodeId;
  nameOf(node: NodeId): string;
  /** A node's disk: what survived, for end checks and auditors. */
  disk(node: string | NodeId): DurableStore;
  status(node: string | NodeId): NodeStatus;
  /** Message accounting so far. */
  readonly messages: Readonly<MessageStats>;
  /** Counters, gauges and histograms, by name. */
  readonly metrics: Metrics;
  /** A named random stream of this run (e.g. 'workload'), independent of every other. */
  stream(name: string): Stream;
  /**
   * The clients' history: record each client operation's invocation and completion here
   * (`invoke` → `ok` / `fail` / `info`), in true time. Recorded only when read (an invariant
   * judged on it, `run --history`, the UI); otherwise every call is free.
   */
  readonly history: ClientHistory;
  /** Records a violation of a declared invariant (ignored for strategies the invariant does not apply to). */
  violate(invariant: string, message: string, detail?: ViolationDetail | NodeId): void;
  /** Marks a "sometimes" goal as reached. */
  reach(goal: string): void;
  /** Scenario-level narration. Pass a function to build the text only when traced. */
  note(text: string | (() => string), level?: NoteLevel): void;
  /** Runs `check` when the run ends (after healing and settling): the place for liveness and final-state checks. */
  atEnd(check: () => void): void;
  /** Declares a chart; its series are sampled every `everyMs` only when a trace is recorded. */
  chart(chart: ChartDeclaration): void;
  /** Calls `fn` at simulated time `timeMs` (a scenario-level event, outside any node). */
  at(timeMs: number, fn: () => void): void;
  /** Registers the handler of a scenario-level inject fault. */
  onInject(name: string, handler: (fault: import('../../engine/index.ts').InjectFault) => void): void;
  /** Sets the base link between two nodes (a slow cross-region link): faults degrade it, heals return to it. */
  setLink(from: string | NodeId, to: string | NodeId, link: LinkPatch): void;
  /** The kernel itself, for what the world does not cover. */
  readonly sim: Simulation;
}

/** What build returns: how to read the run's metrics at its end. */
export interface Model {
  metrics(): Record<string, number>;
}

export interface ScenarioDefinition<S extends z.ZodObject> {
  id: string;
  title: string;
  /** The system-design question the scenario answers. */
  question: string;
  /** One paragraph: what the scenario models and how to read it. */
  summary: string;
  /** Any grouping word (the built-ins use transactions, cache, broker, data). */
  family: string;
  params: S;
  timing: (params: z.infer<S>) => Timing;
  strategies: readonly Strategy[];
  /** The strategy shown first. */
  defaultStrategy: string;
  invariants: readonly InvariantSpec[];
  goals: readonly GoalSpec[];
  metrics: readonly MetricSpec[];
  /**
   * The node states (labels given to `ctx.state`) that mean trouble, worst first: the UI gives
   * them its alarming colours and every other state a calm one. At most three.
   */
  alarmStates?: readonly string[];
  presets: readonly Preset<z.infer<S>>[];
  /** The preset a run uses when given no faults (absent: no faults). */
  defaultPreset?: string;
  /** The fault space beyond what the nodes declare (window, exclusions, injects, sizes). */
  faultSpace: (params: z.infer<S>) => FaultSpaceOptions;
  /** Default link between nodes. */
  network?: (params: z.infer<S>) => LinkSpec;
  /** Bound on events per run (default 5,000,000). */
  eventsMax?: (params: z.infer<S>) => number;
  /** Declares the nodes, draws the workload, wires the checkers; returns how to read the metrics. */
  build: (world: World<z.infer<S>>) => Model;
}

export type Scenario<S extends z.ZodObject = z.ZodObject> = Readonly<ScenarioDefinition<S>>;

/** Any scenario, as the registry, CLI and server hold them. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds scenarios of every parameter type.
export type AnyScenario = Scenario<any>;

const ID = /^[a-z][a-z0-9-]{1,63}$/;

/** Checks a scenario's definition for consistency and returns it. */
export function defineScenario<S extends z.ZodObject>(definition: ScenarioDefinition<S>): Scenario<S> {
  const d = definition;
  assert(ID.test(d.id), `scenario id '${d.id}' is lower-case kebab-case`);
  assert(typeof d.family === 'string' && d.family.length > 0 && d.family.length <= 64, `${d.id}: family is a non-empty string`);
  const strategyIds = new Set<string>();
  const invariantNames = new Set(d.invariants.map((i) => i.name));
  assert(invariantNames.size === d.invariants.length, `${d.id}: invariant names are unique`);
  for (const s of d.strategies) {
    assert(ID.test(s.id), `${d.id}: strategy id '${s.id}' is lower-case kebab-case`);
    assert(!strategyIds.has(s.id), `${d.id}: strategy id '${s.id}' is unique`);
    strategyIds.add(s.id);
    for (const v of s.expectedViolations) assert(invariantNames.has(v), `${d.id}/${s.id}: expected violation '${v}' is a declared invariant`);
  }
  assert((d.alarmStates?.length ?? 0) <= 3, `${d.id}: at most three alarm states (the palette has three alarming colours)`);
  assert(strategyIds.has(d.defaultStrategy), `${d.id}: default strategy '${d.defaultStrategy}' exists`);
  for (const inv of d.invariants) {
    for (const s of inv.appliesTo ?? []) assert(strategyIds.has(s), `${d.id}: invariant ${inv.name} applies to a known strategy '${s}'`);
  }
  for (const s of d.strategies) {
    for (const v of s.expectedViolations) {
      const inv = d.invariants.find((i) => i.name === v)!;
      assert(inv.appliesTo === undefined || inv.appliesTo.includes(s.id), `${d.id}/${s.id}: expected violation '${v}' applies to the strategy`);
    }
  }
  const presetIds = new Set(d.presets.map((p) => p.id));
  assert(presetIds.size === d.presets.length, `${d.id}: preset ids are unique`);
  assert(d.defaultPreset === undefined || presetIds.has(d.defaultPreset), `${d.id}: default preset exists`);
  const metricNames = new Set(d.metrics.map((m) => m.name));
  assert(metricNames.size === d.metrics.length, `${d.id}: metric names are unique`);
  return Object.freeze({ ...d });
}

/** The goals a strategy can reach. */
export function goalsFor(scenario: AnyScenario, strategy: string): GoalSpec[] {
  return scenario.goals.filter((g) => g.appliesTo === undefined || g.appliesTo.includes(strategy));
}

/** The invariants checked for a strategy. */
export function invariantsFor(scenario: AnyScenario, strategy: string): InvariantSpec[] {
  return scenario.invariants.filter((i) => i.appliesTo === undefined || i.appliesTo.includes(strategy));
}

/**
 * A scenario: the unit users pick, watch, compare and check. `defineScenario` turns one
 * plain object — the design question, parameters, topology, strategies, fault presets,
 * invariants, goals, metrics and a `build` function that wires nodes onto a simulation —
 * into a value the registry, the CLI, the server and the browser all read the same way.
 *
 * Every strategy's flaw must be real: `expectedViolations` is a claim the checker must
 * confirm by finding the violation from scratch, never a scripted outcome.
 */
import type { z } from 'zod';
import { assert, type FaultKind, type FaultPlan, type NodeId, type NoteLevel, type Simulation, type Stream } from '../../engine/index.ts';

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

/**
 * A chart the UI draws from the run's time series (`sim.metrics.sample(name, value)`, which
 * the trace carries as `metric` events). `series` lists exact names or prefixes ending in
 * `*` (e.g. `lag.*` for one line per partition).
 */
export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: readonly string[];
  /** Draw a horizontal line here (a capacity, a bound), with its label. */
  limit?: { value: number; label: string };
}

export interface Preset<P> {
  id: string;
  title: string;
  description: string;
  faults: (params: P) => FaultPlan;
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
  /** Nodes it may target (delivered to that node's onInject); absent: a scenario-level inject (sim.onInject). */
  nodes?: readonly string[];
  args?: Readonly<Record<string, InjectArgSpec>>;
}

/** Where the checker may put faults: which nodes, which kinds, in which time window. */
export interface FaultSpace {
  /** Faults are drawn at integer times in [0, windowMs]. */
  windowMs: number;
  /** Nodes that may crash, restart, pause, resume or slow down. */
  crashable: readonly string[];
  /** Nodes that partitions may separate. */
  partitionable: readonly string[];
  /** Named crash points per node (see `crash` faults with `when`) the checker may aim at. */
  crashPoints?: Readonly<Record<string, readonly string[]>>;
  /** The kinds the checker draws (default: crash, restart, partition, heal). */
  kinds?: readonly FaultKind[];
  /** Scenario-defined faults the checker may inject. */
  injects?: readonly InjectSpec[];
  /** At most this many faults per plan (default 4). */
  faultsMax?: number;
}

export interface Timing {
  /** The workload runs during [0, workloadMs]. */
  workloadMs: number;
  /** After the last fault heals, the system has this long to settle before liveness is judged. */
  settleMs: number;
}

/** What a scenario's build function is given: the simulation and the run's choices. */
export interface World<P> {
  readonly sim: Simulation;
  readonly params: P;
  readonly strategy: string;
  /** When the workload ends, when every fault is healed, when the run ends. */
  readonly workloadMs: number;
  readonly healAtMs: number;
  readonly endMs: number;
  /** A named random stream of this run (e.g. 'workload'), independent of every other. */
  stream(name: string): Stream;
  /** Records a violation of a declared invariant (ignored for strategies the invariant does not apply to). */
  violate(invariant: string, message: string, node?: NodeId): void;
  /** Marks a "sometimes" goal as reached. */
  reach(goal: string): void;
  /** Scenario-level narration. Pass a function to build the text only when traced. */
  note(text: string | (() => string), level?: NoteLevel): void;
  /** Runs `check` when the run ends (after healing and settling): the place for liveness and final-state checks. */
  atEnd(check: () => void): void;
  /**
   * Calls `sample` every `periodMs` from 0 to the end, only when a trace is recorded: for the
   * UI's time-series charts (`sim.metrics.sample(name, value)` inside). It must only read
   * state, never change it, so a run with charts behaves exactly like one without.
   */
  sampleEvery(periodMs: number, sample: () => void): void;
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
  family: 'transactions' | 'cache' | 'broker' | 'data';
  params: S;
  topology: (params: z.infer<S>) => Topology;
  timing: (params: z.infer<S>) => Timing;
  strategies: readonly Strategy[];
  /** The strategy shown first. */
  defaultStrategy: string;
  invariants: readonly InvariantSpec[];
  goals: readonly GoalSpec[];
  metrics: readonly MetricSpec[];
  /** Time-series charts for the UI (optional but expected where load, lag or latency evolve). */
  charts?: (params: z.infer<S>) => readonly ChartSpec[];
  /**
   * The node states (labels given to `ctx.state`) that mean trouble, worst first: the UI gives
   * them its alarming colours and every other state a calm one. At most three. Absent: the UI
   * guesses from the trace (a state entered with a key note), which can colour a healthy
   * state red.
   */
  alarmStates?: readonly string[];
  presets: readonly Preset<z.infer<S>>[];
  /** The preset a run uses when given no faults (absent: no faults). */
  defaultPreset?: string;
  faultSpace: (params: z.infer<S>) => FaultSpace;
  /** Default link between nodes. */
  network?: (params: z.infer<S>) => import('../../engine/index.ts').LinkSpec;
  /** Bound on events per run (default 5,000,000). */
  eventsMax?: (params: z.infer<S>) => number;
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

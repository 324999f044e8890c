/**
 * Property checking: run a strategy under generated fault plans and seeds, find a run that
 * breaks an invariant, shrink its fault plan to the fewest, simplest, earliest faults that
 * still break the same invariant, and replay it twice to prove the counterexample is
 * deterministic before reporting it (the run-twice self-check).
 *
 * Run i of a check is a pure function of (check seed, i): its simulation seed and its fault
 * plan are derived from them alone. So the runs can be split over workers or machines
 * (shards take every N-th index) and merged into exactly the result of one process: the
 * reported failure is always the one at the lowest index, shrunk the same way.
 */
import type fc from 'fast-check';
import { Random } from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { type FaultPlan, InputError } from '../../engine/index.ts';
import {
  assertDrawable,
  coverageCatalogue,
  coverageItems,
  drawable,
  drawFaultPlan,
  faultPlanArbitrary,
  fullSwarm,
  type Swarm,
  swarmFor,
} from './fault-arbitrary.ts';
import { parseParams } from './params.ts';
import { resolveStrategy, runScenario } from './run.ts';
import { type AnyScenario, type FaultSpace, goalsFor } from './scenario.ts';
import { declaredSystem } from './system.ts';

export interface RunFailure {
  invariant: string;
  message: string;
  time: number;
  node: string | null;
  /** When a handler threw: its stack, at the scenario's own lines. */
  stack?: string;
}

export interface Counterexample extends RunFailure {
  /** The index of the generated run that first failed. */
  index: number;
  seed: number;
  faults: FaultPlan;
  /** Fault plan of the failing run before shrinking. */
  originalFaults: FaultPlan;
  shrinkSteps: number;
  /** The trace hash both replays agreed on. */
  traceHash: string;
}

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

export interface CheckRequest {
  strategy?: string;
  /** Total runs of the whole check (all shards together). */
  runs: number;
  seed: number;
  params?: unknown;
  shard?: ShardSpec;
  /** Shrinking stops after this many candidate runs (default 2,000). */
  shrinkBudget?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ScanResult {
  /** Indices run, in order (stops at the first failure). */
  indices: number[];
  /** Bit i set: goal i was reached in that run (parallel to `indices`). */
  goalMasks: number[];
  /** The coverage items (indices into the check's catalogue) each run's plan exercised (parallel to `indices`). */
  coverage: number[][];
  failure: (RunFailure & { index: number }) | null;
}

/** What the runs of a check exercised, for an honest verdict. */
export interface CheckCoverage {
  /** Each fault class, crash point and inject the space allows, with the runs whose plan included it. */
  items: { item: string; runs: number }[];
  /** What no generated plan can contain, and why (fault kinds the scenario excludes, nodes it spares). */
  excluded: { kind: string; node?: string; reason: string }[];
}

export interface CheckResult {
  scenario: string;
  strategy: string;
  seed: number;
  ok: boolean;
  /** Runs executed (up to and including the first failure). */
  runs: number;
  /** Runs requested. */
  runsRequested: number;
  /** The invariant the strategy is known to break (from the scenario), for reading the verdict. */
  expectedViolations: readonly string[];
  /** True when the outcome is what the scenario claims: a sound strategy passed, a flawed one broke a declared invariant. */
  asExpected: boolean;
  counterexample: Counterexample | null;
  /** For each "sometimes" goal, the number of runs that reached it. */
  goals: { name: string; runsReached: number }[];
  /** Goals no run reached: the check never exercised them. */
  goalsNeverReached: string[];
  /** What the runs exercised (up to and including the first failure). */
  coverage: CheckCoverage;
  shard: ShardSpec | null;
}

/** Everything a check needs to run index i, prepared once. */
export class CheckPlan {
  readonly strategy: string;
  readonly params: Record<string, unknown>;
  readonly space: FaultSpace;
  /** The coverage items this check counts, in order. */
  readonly catalogue: readonly string[];
  private readonly itemIndex: Map<string, number>;
  /** Runs draw their plans directly (drawFaultPlan) rather than through the arbitrary. */
  private readonly drawable: boolean;

  constructor(
    readonly scenario: AnyScenario,
    strategy: string | undefined,
    params: unknown,
    readonly seed: number,
  ) {
    if (!Number.isSafeInteger(seed)) throw new InputError(`check seed must be an integer, got ${seed}`);
    this.strategy = resolveStrategy(scenario, strategy);
    this.params = parseParams(scenario, params);
    this.space = declaredSystem(scenario, this.params).faultSpace;
    // Runs trust their generated plans (faultsCanonical): the space they are drawn from is checked instead, once.
    assertDrawable(this.space, scenario.id);
    this.drawable = drawable(this.space);
    // Runs draw without the arbitrary, so build it once here: a space fast-check refuses is refused before any run.
    faultPlanArbitrary(this.space, fullSwarm(this.space));
    this.catalogue = coverageCatalogue(this.space);
    this.itemIndex = new Map(this.catalogue.map((item, i) => [item, i]));
  }

  /** The swarm of run `index`: which fault classes and nodes its plan may use. */
  swarm(index: number): Swarm {
    let state = mix(this.seed ^ 0x27d4eb2f, index);
    let k = 0;
    return swarmFor(this.space, () => {
      state = mix(state, k++);
      return state / 4294967296;
    });
  }

  /**
   * The generated input of run `index`: its simulation seed and fault plan (with fast-check's
   * shrink context), and the arbitrary that made it, which shrinking must use.
   */
  input(index: number): { seed: number; plan: fc.Value<FaultPlan>; arbitrary: fc.Arbitrary<FaultPlan> } {
    const arbitrary = faultPlanArbitrary(this.space, this.swarm(index));
    return { seed: mix(this.seed, index), plan: arbitrary.generate(this.random(index), planBias(index)), arbitrary };
  }

  /** Run `index`'s seed and fault plan, the same as `input(index)` gives, without what only shrinking needs. */
  draw(index: number): { seed: number; faults: FaultPlan } {
    const seed = mix(this.seed, index);
    if (!this.drawable) return { seed, faults: this.input(index).plan.value };
    return { seed, faults: drawFaultPlan(this.space, this.swarm(index), this.random(index), planBias(index)) };
  }

  private random(index: number): Random {
    return new Random(xoroshiro128plus(mix(this.seed ^ 0x5bd1e995, index)));
  }

  /** The coverage items a plan exercises, as indices into the catalogue. */
  coverageOf(plan: FaultPlan): number[] {
    if (plan.length === 0) return [];
    const out: number[] = [];
    for (const fault of plan)
      for (const item of coverageItems(fault)) {
        const i = this.itemIndex.get(item);
        if (i !== undefined && !out.includes(i)) out.push(i);
      }
    // A plan has a handful of faults: an insertion sort of a few indices beats a Set and a comparator.
    for (let k = 1; k < out.length; k++) {
      const v = out[k]!;
      let j = k - 1;
      for (; j >= 0 && out[j]! > v; j--) out[j + 1] = out[j]!;
      out[j + 1] = v;
    }
    return out;
  }

  /** Runs once without a trace; returns the first violation, if any, and the goals reached. */
  run(seed: number, faults: FaultPlan): { failure: RunFailure | null; goalMask: number } {
    const result = runScenario(this.scenario, {
      strategy: this.strategy,
      seed,
      faults,
      parsedParams: this.params,
      trace: 'off',
      metrics: false,
      faultsCanonical: true,
    });
    let goalMask = 0;
    const goals = result.goals;
    for (let i = 0; i < goals.length; i++) if (goals[i]!.reached) goalMask |= 1 << i;
    const v = result.firstViolation;
    if (v === null) return { failure: null, goalMask };
    const failure: RunFailure = { invariant: v.invariant, message: v.message, time: v.time, node: v.node };
    if (v.stack !== undefined) failure.stack = v.stack;
    return { failure, goalMask };
  }
}

/** Runs the given indices in order, stopping at the first failure. */
export function scanRuns(plan: CheckPlan, indices: Iterable<number>, onRun?: () => void): ScanResult {
  const out: ScanResult = { indices: [], goalMasks: [], coverage: [], failure: null };
  for (const index of indices) {
    const { seed, faults } = plan.draw(index);
    const { failure, goalMask } = plan.run(seed, faults);
    out.indices.push(index);
    out.goalMasks.push(goalMask);
    out.coverage.push(plan.coverageOf(faults));
    onRun?.();
    if (failure !== null) {
      out.failure = Object.assign({}, failure, { index });
      break;
    }
  }
  return out;
}

/**
 * Shrinks the failing run `index` to the smallest fault plan that still breaks the same
 * invariant, then replays it twice and requires the same trace hash.
 */
export function shrinkFailure(plan: CheckPlan, index: number, budget = 2_000): Counterexample {
  const { seed, plan: original, arbitrary } = plan.input(index);
  // The scan drew its plan without the arbitrary; shrinking starts from the arbitrary's, which must be the same.
  const drawn = plan.draw(index).faults;
  if (JSON.stringify(drawn) !== JSON.stringify(original.value))
    throw new Error(
      `fault-plan drawer and fast-check disagree on run ${index} of ${plan.scenario.id}/${plan.strategy}: ${JSON.stringify(drawn)} vs ${JSON.stringify(original.value)}`,
    );
  const first = plan.run(seed, original.value).failure;
  if (first === null)
    throw new Error(`determinism self-check failed: run ${index} of ${plan.scenario.id}/${plan.strategy} failed once and passed when run again`);
  let current = original;
  let failure = first;
  let steps = 0;
  let tried = 0;
  outer: while (tried < budget) {
    for (const candidate of arbitrary.shrink(current.value, current.context)) {
      if (++tried > budget) break outer;
      const f = plan.run(seed, candidate.value).failure;
      if (f !== null && f.invariant === first.invariant) {
        current = candidate;
        failure = f;
        steps++;
        continue outer;
      }
    }
    break;
  }
  const faults = current.value;
  const a = runScenario(plan.scenario, { strategy: plan.strategy, seed, faults, parsedParams: plan.params, trace: 'hash' });
  const b = runScenario(plan.scenario, { strategy: plan.strategy, seed, faults, parsedParams: plan.params, trace: 'hash' });
  if (a.traceHash !== b.traceHash || a.firstViolation?.invariant !== failure.invariant) {
    throw new Error(
      `determinism self-check failed for ${plan.scenario.id}/${plan.strategy} seed ${seed}: replays gave trace hashes ${a.traceHash} and ${b.traceHash}` +
        ` and violations ${a.firstViolation?.invariant ?? 'none'} vs ${failure.invariant}`,
    );
  }
  return Object.assign({}, failure, { index, seed, faults, originalFaults: original.value, shrinkSteps: steps, traceHash: a.traceHash! });
}

/** The indices of run `runs` that belong to a shard (all when no shard). */
export function shardIndices(runs: number, shard: ShardSpec | null | undefined): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) if (shard == null || i % shard.count === shard.index - 1) out.push(i);
  return out;
}

export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw new InputError(`bad shard '${text}': expected I/N with 1 <= I <= N, e.g. 1/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new InputError(`bad shard '${text}': expected I/N with 1 <= I <= N, e.g. 1/4`);
  return { index, count };
}

/** Assembles a check result from scans (one or many, in any order) and the shrunk failure. */
export function summarizeCheck(
  plan: CheckPlan,
  runsRequested: number,
  scans: readonly ScanResult[],
  counterexample: Counterexample | null,
  shard: ShardSpec | null,
): CheckResult {
  const failIndex = counterexample?.index ?? Number.POSITIVE_INFINITY;
  const goalSpecs = goalsFor(plan.scenario, plan.strategy);
  const counts = goalSpecs.map(() => 0);
  const itemRuns = plan.catalogue.map(() => 0);
  let runs = 0;
  for (const scan of scans) {
    scan.indices.forEach((index, k) => {
      if (index > failIndex) return;
      runs++;
      const mask = scan.goalMasks[k]!;
      counts.forEach((_, g) => {
        if (mask & (1 << g)) counts[g]!++;
      });
      for (const item of scan.coverage[k] ?? []) if (item >= 0 && item < itemRuns.length) itemRuns[item]!++;
    });
  }
  const expected = plan.scenario.strategies.find((s) => s.id === plan.strategy)!.expectedViolations;
  const asExpected = counterexample === null ? expected.length === 0 : expected.includes(counterexample.invariant);
  const goals = goalSpecs.map((g, i) => ({ name: g.name, runsReached: counts[i]! }));
  return {
    scenario: plan.scenario.id,
    strategy: plan.strategy,
    seed: plan.seed,
    ok: counterexample === null,
    runs,
    runsRequested,
    expectedViolations: expected,
    asExpected,
    counterexample,
    goals,
    goalsNeverReached: goals.filter((g) => g.runsReached === 0).map((g) => g.name),
    coverage: {
      items: plan.catalogue.map((item, i) => ({ item, runs: itemRuns[i]! })),
      excluded: plan.space.excluded.map((e) => ({ ...e })),
    },
    shard,
  };
}

/** Checks one strategy in this process: scan, shrink the first failure, verify by replay. */
export function checkScenario(scenario: AnyScenario, request: CheckRequest): CheckResult {
  if (!Number.isInteger(request.runs) || request.runs < 1) throw new InputError(`runs must be a positive integer, got ${request.runs}`);
  const plan = new CheckPlan(scenario, request.strategy, request.params, request.seed);
  const indices = shardIndices(request.runs, request.shard);
  let done = 0;
  const scan = scanRuns(plan, indices, () => request.onProgress?.(++done, indices.length));
  const counterexample = scan.failure === null ? null : shrinkFailure(plan, scan.failure.index, request.shrinkBudget);
  return summarizeCheck(plan, request.runs, [scan], counterexample, request.shard ?? null);
}

/** fast-check's bias for run `index`: small values first, larger as the index grows (1 + the digits of index + 1). */
function planBias(index: number): number {
  return 1 + String(index + 1).length;
}

/** A 32-bit mix of two integers (splitmix-style finalizer): derived seeds that look unrelated. */
export function mix(a: number, b: number): number {
  let h = Math.imul((a | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ (b | 0);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

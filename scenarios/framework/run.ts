/**
 * Running a scenario once: build the world for a strategy, seed, parameters and fault plan;
 * run the workload under the faults; heal every fault at `healAtMs` (the later of the
 * workload's end and the last fault); let the system settle; then judge liveness. Safety
 * invariants are judged throughout. The result is plain JSON plus, on request, the trace.
 *
 * A run stopped by a bound (eventsMax, timeMaxMs) is reported as a violation of the
 * built-in invariant `run-bounded`, naming the bound, never as a hang.
 */
import {
  BoundExceededError,
  CallbackTrace,
  type FaultPlan,
  HandlerError,
  HashTrace,
  InputError,
  type LinkSpec,
  MemoryTrace,
  type MessageStats,
  parseFaultPlan,
  Simulation,
  type TraceEvent,
  type TraceSink,
} from '../../engine/index.ts';
import { type Anomaly, type CheckResult, type History, OPERATION_NAME_FIELDS, pairOperations } from '../../history/index.ts';
import type { HistoryClaim } from './client-history.ts';
import { checkPlanHorizon } from './horizon.ts';
import { parseParams } from './params.ts';
import { type AnyScenario, type GoalSpec, goalsFor, type InvariantKind, type InvariantSpec, invariantsFor, type Witness } from './scenario.ts';
import { ScenarioWorld } from './world.ts';

export type TraceMode = 'off' | 'memory' | 'hash' | ((event: TraceEvent) => void);

export interface RunRequest {
  strategy?: string;
  seed: number;
  /** Parameter input (defaults fill the rest). */
  params?: unknown;
  /** The fault plan; absent: the scenario's default preset, if any. */
  faults?: FaultPlan;
  /** `memory` keeps the trace (result.trace); `hash` computes the trace hash only; default `hash`. */
  trace?: TraceMode;
  /** Parameters already parsed (skips validation; used by the checker's hot loop). */
  parsedParams?: unknown;
  /** A tighter bound on events than the scenario's own (e.g. a server's per-run limit). */
  eventsMax?: number;
  /** Record the clients' history and return it (result.history). */
  history?: boolean;
  /** Compute the metrics (default true; a check judges invariants only and skips them: percentiles over every run cost). */
  metrics?: boolean;
  /**
   * The plan is drawn from the scenario's own fault space (the checker's, which validated the
   * space once when the check was planned): canonical by construction and within the run's
   * horizon, so it is neither parsed nor judged against the horizon. Any other plan is parsed
   * here, once, and every error names the fault and field at fault.
   */
  faultsCanonical?: boolean;
}

export interface ViolationRecord {
  time: number;
  node: string | null;
  message: string;
  /** For a handler that threw: its stack (with source maps, at the scenario's own lines). */
  stack?: string;
  /** The moments that explain it, when the scenario named them (an end check names its causes). */
  witnesses?: Witness[];
}

export interface InvariantResult {
  name: string;
  kind: InvariantKind | 'bound' | 'error';
  ok: boolean;
  /** How many times it was violated. */
  count: number;
  /** The first violations (at most 10). */
  violations: ViolationRecord[];
}

export interface RunResult {
  scenario: string;
  strategy: string;
  seed: number;
  params: Record<string, unknown>;
  faults: FaultPlan;
  nodes: string[];
  workloadMs: number;
  healAtMs: number;
  simTimeMs: number;
  events: number;
  traceHash: string | null;
  ok: boolean;
  metrics: Record<string, number>;
  invariants: InvariantResult[];
  goals: { name: string; reached: boolean }[];
  messages: MessageStats;
  /** The first violation by time, if any. */
  firstViolation: { invariant: string; time: number; node: string | null; message: string; stack?: string } | null;
  /** The in-memory trace when requested with trace: 'memory'. */
  trace: MemoryTrace | null;
  /** The clients' history, when requested (or recorded for an invariant judged on it). */
  history: History | null;
  /**
   * With the history (request.history): each history claim's judgement, by invariant name, as
   * the run reached it — so a viewer shows the anomalies without judging the claim again.
   */
  historyJudgements: Readonly<Record<string, CheckResult>> | null;
}

export const RUN_BOUNDED = 'run-bounded';
/**
 * The built-in invariant a handler that throws breaks: an exception in a scenario's node (or
 * a misuse of the kernel) is a finding like a violated invariant — reported with the time, the
 * node, the event and the stack, shrunk and replayed — not a crash of faultline.
 */
export const HANDLER_THREW = 'handler-threw';

/** An error that stops a run from outside (a guard's bound, a trace file the disk refused, a server's limit): not the scenario's failure. */
function stopsRun(error: unknown): boolean {
  return error instanceof InputError || (error as { stopsRun?: unknown } | null)?.stopsRun === true;
}
const VIOLATIONS_KEPT = 10;

export function resolveStrategy(scenario: AnyScenario, strategy: string | undefined): string {
  const id = strategy ?? scenario.defaultStrategy;
  if (!scenario.strategies.some((s) => s.id === id)) {
    throw new InputError(`unknown strategy '${id}' for ${scenario.id}; strategies are: ${scenario.strategies.map((s) => s.id).join(', ')}`);
  }
  return id;
}

export function resolvePreset(scenario: AnyScenario, presetId: string, params: unknown): FaultPlan {
  const preset = scenario.presets.find((p) => p.id === presetId);
  if (preset === undefined) {
    throw new InputError(`unknown preset '${presetId}' for ${scenario.id}; presets are: ${scenario.presets.map((p) => p.id).join(', ') || 'none'}`);
  }
  return preset.faults(params);
}

export function runScenario(scenario: AnyScenario, request: RunRequest): RunResult {
  const strategy = resolveStrategy(scenario, request.strategy);
  if (!Number.isSafeInteger(request.seed)) throw new InputError(`seed must be an integer, got ${request.seed}`);
  const params = (request.parsedParams ?? parseParams(scenario, request.params)) as Record<string, unknown>;
  const drawn = request.faultsCanonical === true && request.faults !== undefined;
  // The one validation of the plan: canonical form (schema key order, defaults), traced or not.
  const faults = drawn
    ? request.faults!
    : parseFaultPlan(request.faults ?? (scenario.defaultPreset === undefined ? [] : resolvePreset(scenario, scenario.defaultPreset, params)));
  const timing = scenario.timing(params);
  // Refused before a single event runs: a fault past the run's horizon would stretch the run to it (horizon.ts).
  // What the scenario's own fault space draws is never refused there, so a drawn plan is not judged again.
  if (!drawn) checkPlanHorizon(scenario, params, faults);
  let lastFaultMs = 0;
  for (const f of faults) if (f.at > lastFaultMs) lastFaultMs = f.at;
  const healAtMs = Math.max(timing.workloadMs, lastFaultMs);
  const endMs = healAtMs + timing.settleMs;

  const mode = request.trace ?? 'hash';
  const sink: (TraceSink & { names: readonly string[] }) | null =
    mode === 'off' ? null : mode === 'memory' ? new MemoryTrace() : mode === 'hash' ? new HashTrace() : new CallbackTrace(mode);
  const sim = new Simulation({ seed: request.seed, trace: sink, network: networkOf(scenario, params) });

  const judged = judgedBy(scenario, strategy);
  const checked = judged.invariants;
  const records = new Map<string, InvariantResult>();
  for (const i of checked) records.set(i.name, { name: i.name, kind: i.kind, ok: true, count: 0, violations: [] });
  const goalsReached = new Set<string>();
  let first: RunResult['firstViolation'] = null;

  const record = (invariant: string, message: string, node: string | null, witnesses: readonly Witness[], stack?: string): boolean => {
    const r = records.get(invariant);
    if (r === undefined) return false;
    r.ok = false;
    r.count++;
    if (r.violations.length < VIOLATIONS_KEPT) {
      const v: ViolationRecord = { time: sim.now, node, message };
      if (witnesses.length > 0) v.witnesses = [...witnesses];
      if (stack !== undefined) v.stack = stack;
      r.violations.push(v);
    }
    if (first === null) first = stack === undefined ? { invariant, time: sim.now, node, message } : { invariant, time: sim.now, node, message, stack };
    return true;
  };

  const world = new ScenarioWorld(
    sim,
    scenario.id,
    params,
    strategy,
    { workloadMs: timing.workloadMs, healAtMs, endMs },
    judged.declared,
    {
      violate: (invariant, message, node, witnesses) => {
        if (record(invariant, message, node, witnesses)) sim.violate(invariant, message, node === null ? -1 : sim.nodeId(node));
      },
      reach: (goal) => {
        goalsReached.add(goal);
      },
    },
    request.history === true || judged.history,
    request.metrics !== false,
  );

  const model = scenario.build(world);
  if (world.nodeCount === 0) throw new InputError(`${scenario.id}: build declared no node (declare each with world.node(name, spec, behaviour))`);
  sim.scheduleCanonicalPlan(faults);
  const heal = (): void => {
    // An inject may schedule faults for this very instant (a rack that loses power crashes its
    // brokers now): those are healed too, once they have happened.
    if (sim.faultsPendingAt(healAtMs)) {
      sim.at(healAtMs, heal);
      return;
    }
    sim.healAll();
    sim.note(
      () =>
        faults.length === 0
          ? `The workload ended at ${fmtMs(healAtMs)}; the system has ${fmtMs(timing.settleMs)} to settle before liveness is judged.`
          : `All faults healed at ${fmtMs(healAtMs)}; the system has ${fmtMs(timing.settleMs)} to settle before liveness is judged.`,
      'info',
    );
  };
  sim.at(healAtMs, heal);

  let threw = false;
  const judgements: Record<string, CheckResult> = {};
  const eventsMax = Math.min(scenario.eventsMax?.(params) ?? 5_000_000, request.eventsMax ?? Number.POSITIVE_INFINITY);
  try {
    sim.run({ untilMs: endMs, eventsMax });
    for (const check of world.endChecks) check();
    if (judged.history) for (const inv of checked) if (inv.history !== undefined) judgements[inv.name] = judgeHistory(world, inv.name, inv.history);
  } catch (error) {
    if (error instanceof HandlerError && !stopsRun(error.cause)) {
      threw = true;
      records.set(HANDLER_THREW, { name: HANDLER_THREW, kind: 'error', ok: false, count: 0, violations: [] });
      const cause = error.cause as { stack?: unknown } | null;
      record(HANDLER_THREW, error.message, error.node, [], typeof cause?.stack === 'string' ? cause.stack : undefined);
      sim.violate(HANDLER_THREW, error.message, error.node === null ? -1 : sim.nodeId(error.node));
    } else {
      if (!(error instanceof BoundExceededError)) throw error;
      records.set(RUN_BOUNDED, { name: RUN_BOUNDED, kind: 'bound', ok: false, count: 0, violations: [] });
      record(RUN_BOUNDED, error.message, null, []);
      sim.violate(RUN_BOUNDED, error.message);
    }
  }

  const metrics = request.metrics === false ? {} : threw ? metricsOfBrokenRun(scenario, model) : model.metrics();
  // Judged: a callback that outlives the run and tries to act is a bug, and says so.
  sim.end();
  if (request.metrics !== false) {
    for (const m of scenario.metrics) {
      if (typeof metrics[m.name] !== 'number' || !Number.isFinite(metrics[m.name])) {
        throw new Error(`${scenario.id} did not report metric '${m.name}' as a finite number (got ${metrics[m.name]})`);
      }
    }
  }

  const invariants = [...records.values()];
  return {
    scenario: scenario.id,
    strategy,
    seed: request.seed,
    params,
    faults,
    nodes: [...sim.nodeNames],
    workloadMs: timing.workloadMs,
    healAtMs,
    simTimeMs: sim.now,
    events: sim.events,
    traceHash: sink instanceof HashTrace || sink instanceof MemoryTrace ? sink.hash() : null,
    ok: invariants.every((i) => i.ok),
    metrics,
    invariants,
    goals: judged.goals.map((g) => ({ name: g.name, reached: goalsReached.has(g.name) })),
    messages: { ...sim.messageStats },
    firstViolation: first,
    trace: sink instanceof MemoryTrace ? sink : null,
    history: request.history === true ? world.history.history() : null,
    historyJudgements: request.history === true ? judgements : null,
  };
}

/** What a strategy's runs judge, worked out once per scenario and strategy (a check starts thousands of runs). */
interface Judged {
  invariants: readonly InvariantSpec[];
  goals: readonly GoalSpec[];
  /** Every invariant the scenario declares (a violation of any other is a bug of the scenario). */
  declared: ReadonlySet<string>;
  /** Some invariant is judged on the clients' history. */
  history: boolean;
}
const judgedCache = new WeakMap<AnyScenario, Map<string, Judged>>();

function judgedBy(scenario: AnyScenario, strategy: string): Judged {
  let byStrategy = judgedCache.get(scenario);
  if (byStrategy === undefined) judgedCache.set(scenario, (byStrategy = new Map()));
  let judged = byStrategy.get(strategy);
  if (judged === undefined) {
    const invariants = invariantsFor(scenario, strategy);
    judged = {
      invariants,
      goals: goalsFor(scenario, strategy),
      declared: new Set(scenario.invariants.map((i) => i.name)),
      history: invariants.some((i) => i.history !== undefined),
    };
    byStrategy.set(strategy, judged);
  }
  return judged;
}

/** The scenario's default link at these (parsed) parameters, asked once per parameters object (a check's runs share theirs). */
const networkCache = new WeakMap<AnyScenario, WeakMap<object, LinkSpec | undefined>>();

function networkOf(scenario: AnyScenario, params: Record<string, unknown>): LinkSpec | undefined {
  if (scenario.network === undefined) return undefined;
  let byParams = networkCache.get(scenario);
  if (byParams === undefined) networkCache.set(scenario, (byParams = new WeakMap()));
  if (byParams.has(params)) return byParams.get(params);
  // A frozen copy: the kernel then compiles it once (by identity), and nothing can change it under the runs that share it.
  const spec = frozenCopy(scenario.network(params));
  byParams.set(params, spec);
  return spec;
}

/** A link spec is plain data (numbers, strings, arrays, records): copied and frozen without any platform's structuredClone. */
function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) copy[k] = frozenCopy(v);
    return Object.freeze(copy) as T;
  }
  return value;
}

/** Judges an invariant that claims a consistency model on the recorded history; returns the judgement. */
function judgeHistory(world: ScenarioWorld<unknown>, invariant: string, claim: HistoryClaim): CheckResult {
  const result = world.history.judge(claim);
  if (result.verdict === 'unknown') {
    world.note(`${invariant}: the history checker gave no verdict (${result.unknown?.explanation ?? 'a bound was hit'})`, 'warn');
    return result;
  }
  if (result.verdict === 'ok') return result;
  const first = result.anomalies[0]!;
  const more = result.anomalies.length > 1 ? ` (and ${result.anomalies.length - 1} more anomal${result.anomalies.length === 2 ? 'y' : 'ies'})` : '';
  world.violate(invariant, `${claim.model}${claim.consistency ? ` (${claim.consistency})` : ''}: ${first.type}: ${first.explanation}${more}`, {
    witnesses: witnessesOf(first, world.history.history()),
  });
  return result;
}

/** The moments an anomaly's operations happened, for the UI to jump to (at most five). */
function witnessesOf(anomaly: Anomaly, history: History): Witness[] {
  const times: { t: number; what: string }[] = [];
  const named = new Map(pairOperations(history).map((op) => [op.name, op]));
  const visit = (value: unknown, field: string): void => {
    if (typeof value === 'number' && OPERATION_NAME_FIELDS.has(field)) {
      const op = named.get(value);
      const t = op?.completeTimeMs ?? op?.invokeTimeMs;
      if (op !== undefined && t !== undefined) times.push({ t, what: `${String(op.process)} ${op.f}` });
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record.invokeTimeMs === 'number') {
      times.push({ t: typeof record.completeTimeMs === 'number' ? record.completeTimeMs : record.invokeTimeMs, what: String(record.text ?? record.f ?? '') });
      return;
    }
    for (const [k, v] of Object.entries(record)) visit(v, k);
  };
  visit(anomaly, '');
  return times
    .sort((a, b) => a.t - b.t)
    .slice(0, 5)
    .map((w) => ({ t: w.t, what: w.what }));
}

/** The metrics of a run a handler broke: what the model can still say, and 0 for what it cannot. */
function metricsOfBrokenRun(scenario: AnyScenario, model: { metrics(): Record<string, number> }): Record<string, number> {
  let got: Record<string, number> = {};
  try {
    got = model.metrics();
  } catch {
    // The model's state is whatever the throw left; its metrics may not be computable.
  }
  return Object.fromEntries(scenario.metrics.map((m) => [m.name, Number.isFinite(got[m.name]) ? got[m.name]! : 0]));
}

export function fmtMs(ms: number): string {
  return `${ms.toLocaleString('en-US', { maximumFractionDigits: ms < 10 ? 2 : 0 })} ms`;
}
